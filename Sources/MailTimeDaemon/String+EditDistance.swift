extension String {
    /// The Levenshtein distance to `other`: the fewest single-character insertions, deletions and
    /// substitutions that turn one into the other.
    func editDistance(to other: String) -> Int {
        let source = Array(self)
        let target = Array(other)
        var previous = Array(0...target.count)
        for (row, character) in source.enumerated() {
            var current = [row + 1] + Array(repeating: 0, count: target.count)
            for column in target.indices {
                let substitution = previous[column] + (character == target[column] ? 0 : 1)
                current[column + 1] = Swift.min(substitution, previous[column + 1] + 1, current[column] + 1)
            }
            previous = current
        }
        return previous[target.count]
    }
}
