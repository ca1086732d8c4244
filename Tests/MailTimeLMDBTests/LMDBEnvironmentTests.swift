import Foundation
import MailTimeLMDB
import Testing

@Suite struct LMDBEnvironmentTests {
    private func withEnvironment(mapSize: Int = 1 << 20, _ body: (LMDBEnvironment) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "mailtime-lmdb-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = try LMDBEnvironment(directory: path, mapSize: mapSize)
        defer { environment.close() }
        try body(environment)
    }

    @Test func putGetDeleteAndCursorOrder() throws {
        try withEnvironment { environment in
            let database = try environment.openDatabase(named: "test")
            try environment.write { transaction throws in
                for key in [[3], [1], [2, 0], [2]] as [[UInt8]] { try transaction.put(database, key, key + [9]) }
            }
            try environment.read { transaction throws in
                #expect(try transaction.get(database, [2]) == [2, 9])
                #expect(try transaction.get(database, [4]) == nil)
                #expect(try transaction.count(database) == 4)
                let keys = try transaction.withCursor(database) { cursor in
                    var keys: [[UInt8]] = []
                    var entry = try cursor.first()
                    while let (key, _) = entry {
                        keys.append(key)
                        entry = try cursor.next()
                    }
                    return keys
                }
                #expect(keys == [[1], [2], [2, 0], [3]])
                let seek = try transaction.withCursor(database) { cursor in try cursor.seek(atLeast: [2, 1])?.key }
                #expect(seek == [3])
                let last = try transaction.withCursor(database) { cursor in try cursor.last()?.key }
                #expect(last == [3])
            }
            try environment.write { transaction throws in
                #expect(try transaction.delete(database, [1]))
                #expect(try !transaction.delete(database, [1]))
            }
            try environment.read { transaction throws in #expect(try transaction.count(database) == 3) }
        }
    }

    @Test func appendTakesOnlyKeysThatSortLast() throws {
        try withEnvironment { environment in
            let database = try environment.openDatabase(named: "test")
            let value: [UInt8] = [0, 7, 8, 0]
            try environment.write { transaction throws in
                #expect(try transaction.append(database, [1], value[1..<3]))
                #expect(try transaction.append(database, [2], value[...]))
                #expect(try !transaction.append(database, [1, 5], value[...]))
                #expect(try !transaction.append(database, [2], value[...]))
            }
            try environment.read { transaction throws in
                #expect(try transaction.get(database, [1]) == [7, 8])
                #expect(try transaction.get(database, [2]) == value)
                #expect(try transaction.get(database, [1, 5]) == nil)
                #expect(try transaction.count(database) == 2)
            }
        }
    }

    @Test func abortedWriteLeavesNothing() throws {
        struct Refused: Error {}
        try withEnvironment { environment in
            let database = try environment.openDatabase(named: "test")
            #expect(throws: Refused.self) {
                try environment.write { transaction throws in
                    try transaction.put(database, [1], [1])
                    throw Refused()
                }
            }
            try environment.read { transaction throws in #expect(try transaction.get(database, [1]) == nil) }
        }
    }

    @Test func fullMapReportsMapFullAndGrows() throws {
        try withEnvironment(mapSize: 256 << 10) { environment in
            let database = try environment.openDatabase(named: "test")
            let value = [UInt8](repeating: 1, count: 8192)
            var written = 0
            var sawMapFull = false
            while written < 200 {
                do {
                    try environment.write { transaction throws in try transaction.put(database, Array("\(written)".utf8), value) }
                    written += 1
                } catch let error as LMDBError where error.isMapFull {
                    sawMapFull = true
                    #expect(error.message.contains("MDB_MAP_FULL"))
                    let before = environment.mapSize
                    try environment.grow()
                    #expect(environment.mapSize == before * 2)
                }
            }
            #expect(sawMapFull)
            try environment.read { transaction throws in #expect(try transaction.count(database) == 200) }
        }
    }

    @Test func directoryIsPrivateAndLockedWhileOpen() throws {
        try withEnvironment { environment in
            let attributes = try FileManager.default.attributesOfItem(atPath: environment.directory)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            #expect {
                _ = try LMDBEnvironment(directory: environment.directory)
            } throws: { error in
                guard let error = error as? LMDBError else { return false }
                return error.code == LMDBError.directoryLockedCode && error.message.contains("in use by another process")
            }
        }
    }

    @Test func closedEnvironmentReleasesTheLock() throws {
        let path = NSTemporaryDirectory() + "mailtime-lmdb-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try LMDBEnvironment(directory: path)
        first.close()
        let second = try LMDBEnvironment(directory: path)
        second.close()
    }

    @Test func reopenKeepsTheDataAndTheLock() throws {
        try withEnvironment { environment in
            let database = try environment.openDatabase(named: "test")
            try environment.write { transaction throws in try transaction.put(database, [1], [2]) }
            try environment.reopen()
            // Opened again in the same order, a database gets the same handle.
            #expect(try environment.openDatabase(named: "test") == database)
            try environment.read { transaction throws in #expect(try transaction.get(database, [1]) == [2]) }
            try environment.write { transaction throws in try transaction.put(database, [3], [4]) }
            #expect(throws: LMDBError.self) { _ = try LMDBEnvironment(directory: environment.directory) }
        }
    }

    @Test func errorsCarryLMDBsText() {
        let error = LMDBError(code: -30798, operation: "mdb_get")
        #expect(error.message == "mdb_get: MDB_NOTFOUND: No matching key/data pair found")
    }
}
