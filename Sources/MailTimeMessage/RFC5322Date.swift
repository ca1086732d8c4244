/// The RFC 5322 §3.3 date-time, in UTC: `Sun, 29 Nov 2026 19:02:19 +0000`.
package enum RFC5322Date {
    private static let weekdays: StaticString = "ThuFriSatSunMonTueWed"
    private static let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

    /// Written byte by byte into one string: this runs once per message sent.
    package static func format(millisecondsSince1970: Int64) -> String {
        let milliseconds = Int(millisecondsSince1970)
        let seconds = (milliseconds - ((milliseconds % 1000) + 1000) % 1000) / 1000
        let days = (seconds - ((seconds % 86_400) + 86_400) % 86_400) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        let weekday = ((days % 7) + 7) % 7
        return String(unsafeUninitializedCapacity: 40) { buffer in
            var count = 0
            func append(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func append(_ names: StaticString, _ index: Int) {
                for offset in 0..<3 { append(names.utf8Start[3 * index + offset]) }
            }
            func append(number: Int, digits: Int) {
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    append(UInt8(ascii: "0") + UInt8(number / divisor % 10))
                    divisor /= 10
                }
            }
            append(weekdays, weekday)
            append(UInt8(ascii: ","))
            append(UInt8(ascii: " "))
            append(number: day, digits: day < 10 ? 1 : 2)
            append(UInt8(ascii: " "))
            append(months, month - 1)
            append(UInt8(ascii: " "))
            append(number: year, digits: year < 10_000 ? 4 : 5)
            append(UInt8(ascii: " "))
            append(number: secondOfDay / 3600, digits: 2)
            append(UInt8(ascii: ":"))
            append(number: secondOfDay / 60 % 60, digits: 2)
            append(UInt8(ascii: ":"))
            append(number: secondOfDay % 60, digits: 2)
            for byte in " +0000".utf8 { append(byte) }
            return count
        }
    }

    /// Howard Hinnant's `civil_from_days`.
    private static func civilDate(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
