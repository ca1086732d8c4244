import MailTimeModel

/// The keys of the `search` database, one entry per (kind, value, job):
/// `kind · value · 0x00 · id`, with an empty value. The entries of one kind and value are a
/// contiguous range sorted by id, so a filter's page is a cursor range scan.
enum QueueIndex {
    /// What an entry indexes.
    enum Kind: UInt8, CaseIterable, Sendable {
        case recipient = 1
        case domain = 2
        case sender = 3
        case tag = 4
        case provider = 5
        case errorCode = 6

        /// Addresses and domains are compared without regard to case.
        var foldsCase: Bool {
            switch self {
            case .recipient, .domain, .sender: true
            case .tag, .provider, .errorCode: false
            }
        }
    }

    /// One kind and value: an index range.
    struct Term: Hashable, Sendable {
        var kind: Kind
        var value: String

        init(_ kind: Kind, _ value: String) {
            self.kind = kind
            self.value = value
        }

        /// The bytes before the id in every entry of this term; `nil` for a value that is never
        /// indexed (one holding a NUL byte).
        var prefix: [UInt8]? {
            let normalized = kind.foldsCase ? value.lowercased() : value
            var bytes = [kind.rawValue]
            bytes.reserveCapacity(2 + min(normalized.utf8.count, QueueIndex.maximumValueBytes) + 16)
            for byte in normalized.utf8.prefix(QueueIndex.maximumValueBytes) {
                guard byte != 0 else { return nil }
                bytes.append(byte)
            }
            bytes.append(0)
            return bytes
        }
    }

    /// Values are cut to this many bytes in keys (LMDB keys hold at most 511): values that share
    /// their first 400 bytes share an entry range.
    static let maximumValueBytes = 400

    /// The key of `id`'s entry for `term`, or `nil` when the value is not indexed.
    static func key(_ term: Term, _ id: JobID) -> [UInt8]? {
        term.prefix.map { $0 + id.bytes }
    }

    /// The terms a job has for values that never change: its recipients, their domains, its sender, its tags.
    static func fixedTerms(_ attributes: JobAttributes) -> Set<Term> {
        var terms = Set<Term>()
        for recipient in attributes.recipients {
            terms.insert(Term(.recipient, recipient))
            if let at = recipient.utf8.lastIndex(of: UInt8(ascii: "@")) {
                terms.insert(Term(.domain, String(recipient[recipient.utf8.index(after: at)...])))
            }
        }
        if let sender = attributes.sender { terms.insert(Term(.sender, sender)) }
        for tag in attributes.tags { terms.insert(Term(.tag, tag)) }
        return terms
    }

    /// The terms a job has for values that change as it is tried: the provider and code of its last failure.
    static func changingTerms(_ job: Job) -> Set<Term> {
        var terms = Set<Term>()
        if let error = job.lastError {
            terms.insert(Term(.errorCode, error.code.name))
            if let provider = error.provider { terms.insert(Term(.provider, provider)) }
        }
        return terms
    }
}
