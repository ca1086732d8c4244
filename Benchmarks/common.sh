# Helpers the benchmark scripts share; each script sources this file.

# A port that was free on 127.0.0.1 a moment ago.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits up to 10 s until something accepts connections on 127.0.0.1:$1.
wait_port() { for _ in $(seq 1 200); do (echo > /dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Field $2 of the JSON object $1.
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
# smtp-sink's message count from its -c counters in file $1 (records end in CR or LF; the highest is current).
sink_count() { tr '\r' '\n' < "$1" | grep -o 'mesg=[0-9]*' | cut -d= -f2 | sort -n | tail -n 1; }
