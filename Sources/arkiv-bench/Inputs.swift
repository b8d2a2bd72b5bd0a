#if canImport(Glibc)
import Glibc
#endif

/// Benchmark inputs: plaintext the archive writer is fed, held in one page-aligned allocation so
/// every benchmark sees the same bytes at the same addresses.
final class Input: @unchecked Sendable {
    let name: String
    let label: String
    let raw: UnsafeRawBufferPointer
    private let allocation: UnsafeMutableRawBufferPointer

    /// Takes ownership of `allocation`, of which the first `count` bytes are the input.
    init(name: String, label: String, allocation: UnsafeMutableRawBufferPointer, count: Int) {
        self.name = name
        self.label = label
        self.allocation = allocation
        raw = UnsafeRawBufferPointer(rebasing: allocation[0..<count])
    }

    deinit { allocation.deallocate() }

    var count: Int { raw.count }

    /// The first `count` bytes (or all of them).
    func prefix(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: raw[0..<min(count, raw.count)])
    }
}

/// SplitMix64: small, fast and seeded, so an input is the same bytes on every run and machine.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound small: the modulo bias is irrelevant here).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func range(_ lower: Int, _ upper: Int) -> Int { lower + below(upper - lower + 1) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    /// 0..<bound, skewed like Zipf's law (P(k) ≈ 1/(k+1)): a few values are common, most are rare.
    mutating func zipf(_ bound: Int) -> Int {
        let unit = Double(next() >> 11) / Double(1 << 53)
        return min(Int(exp(unit * log(Double(bound + 1)))) - 1, bound - 1)
    }
}

/// An append-only byte buffer with the few encodings COPY text needs.
struct ByteSink {
    private(set) var storage: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(capacity: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
    }

    @inline(__always) mutating func reserve(_ extra: Int) {
        if count + extra > storage.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storage.count * 2, count + extra), alignment: 4096)
            bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: count)
            storage.deallocate()
            storage = bigger
        }
    }

    @inline(__always) mutating func byte(_ value: UInt8) {
        reserve(1)
        storage[count] = value
        count += 1
    }

    mutating func bytes(_ values: [UInt8]) {
        reserve(values.count)
        values.withUnsafeBytes { source in
            (storage.baseAddress! + count).copyMemory(from: source.baseAddress!, byteCount: source.count)
        }
        count += values.count
    }

    mutating func bytes(_ source: UnsafeRawBufferPointer) {
        guard source.count > 0 else { return }
        reserve(source.count)
        (storage.baseAddress! + count).copyMemory(from: source.baseAddress!, byteCount: source.count)
        count += source.count
    }

    mutating func decimal(_ value: Int, width: Int = 0) {
        reserve(24 + width)
        if value < 0 {
            storage[count] = 0x2D
            count += 1
        }
        var n = value.magnitude
        var length = 0
        var rest = n
        repeat {
            length += 1
            rest /= 10
        } while rest > 0
        let digits = max(length, width)
        var index = count + digits - 1
        for _ in 0..<digits {
            storage[index] = UInt8(48 + n % 10)
            n /= 10
            index -= 1
        }
        count += digits
    }

    mutating func hex(_ value: UInt64, digits: Int) {
        reserve(digits)
        let alphabet: StaticString = "0123456789abcdef"
        for index in 0..<digits {
            let nibble = Int((value >> UInt64(4 * (digits - 1 - index))) & 0xF)
            storage[count + index] = alphabet.utf8Start[nibble]
        }
        count += digits
    }

    mutating func string(_ text: StaticString) {
        bytes(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func bigEndian<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        storage.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    /// Hands the bytes over, trimmed to `count`; the sink is empty afterwards.
    mutating func take(name: String, label: String) -> Input {
        let input = Input(name: name, label: label, allocation: storage, count: count)
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        count = 0
        return input
    }
}

enum Inputs {
    /// A COPY text file (e.g. `COPY … TO STDOUT` of the workspace fixture), repeated whole until it
    /// reaches `size` bytes; the last copy is cut after a newline so every row is complete.
    static func textFile(path: String, size: Int, label: String) throws -> Input {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var sink = ByteSink(capacity: 1 << 20)
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { block.deallocate() }
        while true {
            let count = read(descriptor, block.baseAddress!, block.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw BenchError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            sink.bytes(UnsafeRawBufferPointer(rebasing: block[0..<count]))
        }
        guard sink.count > 0 else { throw BenchError("\(path) is empty") }
        let once = sink.take(name: "text", label: label)
        var repeated = ByteSink(capacity: size + once.count)
        while repeated.count < size {
            let missing = size - repeated.count
            if missing >= once.count {
                repeated.bytes(once.raw)
            } else {
                // Up to and including the first newline at or after `missing` bytes.
                var end = missing
                while end < once.count && once.raw[end - 1] != 0x0A { end += 1 }
                repeated.bytes(once.prefix(end))
            }
        }
        return repeated.take(name: "text", label: label)
    }

    // MARK: - Synthetic COPY text

    private static func utf8(_ words: String) -> [[UInt8]] {
        words.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.utf8) }
    }

    private static let vocabulary = utf8("""
        og i at det en til er som på de med af for ikke der var sig men et har om vi hun nu over da fra \
        du ud sin dem os op man hvor eller hvad skal selv her alle vil blev kunne ind når være dog noget \
        efter ned skulle denne end dette også under have anden meget sit mod disse hvis nogle hos blive \
        mange bliver været sådan kunden vinduerne nøglen aftalen prisen fakturaen medarbejderen køkkenet \
        badeværelset gulvet trappen opgangen kælderen ovnen emhætten fugerne afløbet skabene panelerne \
        faktura kunde rengøring aftale betaling måned tilbud opgave kontor vinduer mandag tirsdag onsdag \
        torsdag fredag adresse pris moms kroner bestilling gulvvask hovedrengøring nøgle alarm lejlighed \
        villa erhverv kontrakt ændring opsigelse påmindelse rykker bogføring regnskab løn timer kørsel \
        materialer støvsugning køkken badeværelse trappe opgang kælder tagrende flytterengøring ugentlig \
        hver uge kvartal tak venlig hilsen spørgsmål svar mail telefon møde kalender aflyst flyttet \
        bekræftet betalt forfalden kreditnota ordre levering afhentning rabat timepris overslag \
        besigtigelse kvalitet klage ros tilfreds grundig indvendigt udvendigt afkalkes skrubbes renses \
        aftørres støvsuges vaskes pudses sendes modtaget afsluttet opkræves medregnet garanterer noterede \
        svanemærkede rengøringsmidler parfume gelænderet fugtig klud stige stuen høje meter SMS dagen \
        før ankomst nummer oplyste halv time fem stjerner Trustpilot kommentar vandskade køkkenvasken \
        affugter skifer syreholdige midler m² skøn arbejde medarbejdere MobilePay Billy netto otte dage
        """)
    private static let places = utf8("København Aarhus Odense Aalborg Frederiksberg Hellerup Lyngby Roskilde Vejle Esbjerg Køge Malling Silkeborg Horsens")
    private static let firstNames = utf8("Mette Lars Søren Anne Jørgen Kirsten Niels Hanne Rasmus Lone Peter Birgitte Jens Camilla")
    private static let services = utf8("Vinduespudsning Tæpperens Flytterengøring Hovedrengøring Erhvervsrengøring Trappevask Ovnrens")
    private static let documentKinds = utf8("Kontrakt Rapport Tilbud Referat Faktura Notat")
    private static let sources = utf8("upload gmail drive billy manual")
    private static let statuses = utf8("draft sent paid overdue cancelled")
    private static let methods = utf8("GET GET GET POST PUT DELETE")
    private static let endpoints = utf8("/v2/invoices /v2/contacts /v2/products /v2/bankPayments /v2/daybookTransactions /v2/organization")
    private static let mimes = utf8("application/pdf text/plain text/markdown message/rfc822 text/html")

    /// A seeded pool of Danish sentences; rows draw from it with a Zipf-like skew (a few sentences are
    /// everywhere, most are rare), the way real documents and mails repeat phrases.
    private struct Prose {
        let sentences: [[UInt8]]

        init(_ rng: inout SplitMix64, count: Int) {
            var pool: [[UInt8]] = []
            pool.reserveCapacity(count)
            for _ in 0..<count {
                var sentence: [UInt8] = []
                let length = rng.range(6, 18)
                for index in 0..<length {
                    if index > 0 { sentence += rng.chance(10) ? [0x2C, 0x20] : [0x20] }
                    var word = rng.chance(6) ? places[rng.below(places.count)] : vocabulary[rng.zipf(vocabulary.count)]
                    if index == 0, let first = word.first, first >= 0x61, first <= 0x7A { word[0] = first - 32 }
                    sentence += word
                }
                sentence.append(0x2E)
                pool.append(sentence)
            }
            sentences = pool
        }

        /// `count` sentences; paragraphs separated by an escaped blank line (COPY text writes `\n`).
        func write(_ out: inout ByteSink, _ rng: inout SplitMix64, count: Int, paragraphBreak: StaticString = "\\n\\n") {
            for index in 0..<count {
                if index > 0 {
                    if rng.chance(25) { out.string(paragraphBreak) } else { out.byte(0x20) }
                }
                out.bytes(sentences[rng.zipf(sentences.count)])
            }
        }
    }

    /// Text shaped like PostgreSQL `COPY … TO STDOUT` of the workspace: rows of documents, mails,
    /// chat messages, invoices and API audit events (uuids, ISO timestamps, Danish prose with COPY
    /// escapes, jsonb, numbers, arrays, `\N`), tab-separated and newline-terminated. Deterministic.
    static func syntheticText(size: Int, seed: UInt64 = 0x61726B6976) -> Input {
        var rng = SplitMix64(seed: seed)
        let prose = Prose(&rng, count: 6000)
        var out = ByteSink(capacity: size + (1 << 16))
        var row = 0
        let orgs: [(UInt64, UInt64)] = (0..<40).map { _ in (rng.next(), rng.next()) }
        while out.count < size {
            row += 1
            switch rng.below(100) {
            case 0..<8: document(&out, &rng, prose, row: row, orgs: orgs)
            case 8..<22: mail(&out, &rng, prose, row: row)
            case 22..<42: chat(&out, &rng, prose, row: row)
            case 42..<60: invoice(&out, &rng, prose, row: row, orgs: orgs)
            default: audit(&out, &rng, row: row, orgs: orgs)
            }
        }
        return out.take(name: "text", label: "synthetic COPY text (seeded generator: documents, mails, chat, invoices, audit rows)")
    }

    private static func uuid(_ out: inout ByteSink, _ high: UInt64, _ low: UInt64) {
        let version = (high & ~0xF000) | 0x4000
        let variant = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        out.hex(version >> 32, digits: 8); out.byte(0x2D)
        out.hex((version >> 16) & 0xFFFF, digits: 4); out.byte(0x2D)
        out.hex(version & 0xFFFF, digits: 4); out.byte(0x2D)
        out.hex(variant >> 48, digits: 4); out.byte(0x2D)
        out.hex(variant & 0xFFFF_FFFF_FFFF, digits: 12)
    }

    private static func uuid(_ out: inout ByteSink, _ rng: inout SplitMix64) {
        uuid(&out, rng.next(), rng.next())
    }

    /// `2023-01-01 00:00:00` plus `seconds`, with microseconds (`.123456`) when given, and `+00`.
    private static func timestamp(_ out: inout ByteSink, seconds: Int, micros: Int?, zone: Bool = true) {
        let days = seconds / 86_400 + 19_358 // 2023-01-01 in days since 1970-01-01
        let time = seconds % 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        out.decimal(year, width: 4); out.byte(0x2D)
        out.decimal(month, width: 2); out.byte(0x2D)
        out.decimal(day, width: 2); out.byte(0x20)
        out.decimal(time / 3600, width: 2); out.byte(0x3A)
        out.decimal(time / 60 % 60, width: 2); out.byte(0x3A)
        out.decimal(time % 60, width: 2)
        if let micros {
            out.byte(0x2E)
            out.decimal(micros, width: 6)
        }
        if zone { out.string("+00") }
    }

    private static func tab(_ out: inout ByteSink) { out.byte(0x09) }
    private static func null(_ out: inout ByteSink) { out.string("\\N") }
    private static func pick(_ list: [[UInt8]], _ rng: inout SplitMix64) -> [UInt8] { list[rng.below(list.count)] }

    private static func document(_ out: inout ByteSink, _ rng: inout SplitMix64, _ prose: Prose, row: Int, orgs: [(UInt64, UInt64)]) {
        let org = orgs[rng.below(orgs.count)]
        let kind = pick(documentKinds, &rng), place = pick(places, &rng)
        uuid(&out, &rng); tab(&out)
        uuid(&out, org.0, org.1); tab(&out)
        if rng.chance(20) { null(&out) } else { uuid(&out, &rng) }; tab(&out)
        let source = pick(sources, &rng)
        out.bytes(source); tab(&out)
        if source.first == 0x67 { // gmail
            out.string("gmail:msg/"); out.hex(rng.next(), digits: 16)
        } else {
            out.string("/Delte drev/Kunder/"); out.bytes(place); out.byte(0x2F); out.bytes(kind); out.byte(0x20)
            out.decimal(rng.range(1, 9)); out.string(".docx")
        }
        tab(&out)
        out.bytes(kind); out.byte(0x20); out.decimal(row, width: 6); out.string(" – ")
        out.bytes(pick(services, &rng)); out.string(", "); out.bytes(place); tab(&out)
        let start = out.count
        out.bytes(kind); out.byte(0x20); out.decimal(row, width: 6); out.string("\\n\\n")
        prose.write(&out, &rng, count: rng.range(4, 16)); tab(&out)
        let length = out.count - start
        out.bytes(pick(mimes, &rng)); tab(&out)
        out.string("da"); tab(&out)
        out.string("\\\\x"); for _ in 0..<4 { out.hex(rng.next(), digits: 16) }; tab(&out)
        out.decimal(length); tab(&out)
        out.byte(0x7B); out.bytes(kind); out.byte(0x2C); out.bytes(place); out.byte(0x7D); tab(&out)
        out.string("{\"ocr\": "); out.string(rng.chance(30) ? "true" : "false")
        out.string(", \"pages\": "); out.decimal(rng.range(1, 12))
        out.string(", \"author\": \""); out.bytes(pick(firstNames, &rng))
        out.string("\", \"customer\": {\"city\": \""); out.bytes(place)
        out.string("\", \"postal_code\": \""); out.decimal(rng.range(1000, 9990)); out.string("\"}, \"confidence\": 0.")
        out.decimal(rng.range(500, 999), width: 3); out.byte(0x7D); tab(&out)
        var position = 1
        for index in 0..<rng.range(15, 45) {
            if index > 0 { out.byte(0x20) }
            out.byte(0x27); out.bytes(vocabulary[rng.zipf(vocabulary.count)]); out.string("':")
            position += rng.range(1, 9); out.decimal(position)
            if rng.chance(20) { position += rng.range(1, 30); out.byte(0x2C); out.decimal(position) }
        }
        tab(&out)
        let created = row * 41 + rng.below(3600)
        timestamp(&out, seconds: created, micros: rng.below(1_000_000)); tab(&out)
        timestamp(&out, seconds: created + rng.below(86_400 * 30), micros: rng.below(1_000_000)); tab(&out)
        if rng.chance(5) { timestamp(&out, seconds: created + 86_400 * 60, micros: 0) } else { null(&out) }
        out.byte(0x0A)
    }

    private static func mail(_ out: inout ByteSink, _ rng: inout SplitMix64, _ prose: Prose, row: Int) {
        let inbound = rng.chance(60)
        let messageID = rng.next()
        uuid(&out, &rng); tab(&out)
        uuid(&out, UInt64(row / 3) &* 0x9E37_79B9_7F4A_7C15, 0xA5A5 ^ UInt64(row / 3)); tab(&out)
        null(&out); tab(&out)
        out.hex(messageID, digits: 16); tab(&out)
        out.string(inbound ? "inbound" : "outbound"); tab(&out)
        if inbound {
            out.string("kunde"); out.decimal(rng.range(1, 5000)); out.string(rng.chance(50) ? "@hotmail.com" : "@outlook.dk")
        } else {
            out.string("info@rendetalje.dk")
        }
        tab(&out)
        out.string(inbound ? "{info@rendetalje.dk}" : "{kunde@example.dk}"); tab(&out)
        null(&out); tab(&out)
        out.string(inbound ? "Spørgsmål om " : "Sv: "); out.bytes(pick(services, &rng)); tab(&out)
        out.string("Hej "); if inbound { out.string("Rendetalje") } else { out.bytes(pick(firstNames, &rng)) }
        out.string(",\\r\\n\\r\\n")
        prose.write(&out, &rng, count: rng.range(1, 6), paragraphBreak: "\\r\\n\\r\\n")
        out.string("\\r\\n\\r\\nMed venlig hilsen\\r\\n"); out.bytes(pick(firstNames, &rng)); tab(&out)
        null(&out); tab(&out)
        out.string("{\"Message-ID\": \"<"); out.hex(messageID, digits: 16); out.hex(rng.next(), digits: 16)
        out.string("@mail.gmail.com>\", \"In-Reply-To\": null, \"Content-Type\": \"text/plain; charset=\\\\\"UTF-8\\\\\"\", ")
        out.string("\"X-Gmail-Labels\": [\"INBOX\""); if rng.chance(40) { out.string(", \"UNREAD\"") }; out.string("]}"); tab(&out)
        null(&out); tab(&out)
        out.string(rng.chance(80) ? "t" : "f"); tab(&out)
        let sent = row * 97 + rng.below(600)
        let micros = rng.below(1_000_000)
        timestamp(&out, seconds: sent, micros: micros); tab(&out)
        timestamp(&out, seconds: sent + rng.range(1, 5), micros: micros)
        out.byte(0x0A)
    }

    private static func chat(_ out: inout ByteSink, _ rng: inout SplitMix64, _ prose: Prose, row: Int) {
        uuid(&out, &rng); tab(&out)
        uuid(&out, UInt64(row / 12) &* 0xD6E8_FEB8_6659_FD93, 0x1234_5678 ^ UInt64(row / 12)); tab(&out)
        let role = rng.below(10)
        if role == 0 {
            out.string("system\tDu er Rendetaljes assistent. Svar kort og på dansk.\t\\N\t\\N\t")
        } else {
            out.string(role < 5 ? "user" : "assistant"); tab(&out)
            prose.write(&out, &rng, count: rng.range(1, 5)); tab(&out)
            if role < 5 { null(&out) } else { out.decimal(rng.range(20, 700)) }; tab(&out)
            if role < 5 { null(&out) } else {
                out.string("{\"model\": \"gpt-4o-mini\", \"latency_ms\": "); out.decimal(rng.range(300, 9000)); out.string("}")
            }
            tab(&out)
        }
        timestamp(&out, seconds: row * 29 + rng.below(60), micros: rng.below(1_000_000))
        out.byte(0x0A)
    }

    private static func invoice(_ out: inout ByteSink, _ rng: inout SplitMix64, _ prose: Prose, row: Int, orgs: [(UInt64, UInt64)]) {
        let org = orgs[rng.below(orgs.count)]
        out.string("inv_"); out.hex(rng.next(), digits: 14); tab(&out)
        uuid(&out, org.0, org.1); tab(&out)
        uuid(&out, &rng); tab(&out)
        out.decimal(10_000 + row); tab(&out)
        out.bytes(pick(statuses, &rng)); tab(&out)
        let lines = rng.range(1, 4)
        var total = 0
        out.byte(0x5B)
        for index in 0..<lines {
            if index > 0 { out.string(", ") }
            let quantity = rng.range(1, 12), price = rng.range(195, 4_995) * 100
            total += quantity * price
            out.string("{\"text\": \""); out.bytes(pick(services, &rng)); out.string(", "); out.bytes(pick(places, &rng))
            out.string("\", \"quantity\": "); out.decimal(quantity)
            out.string(", \"unit_price\": "); out.decimal(price / 100); out.string(".00")
            out.string(", \"vat_rate\": 0.25}")
        }
        out.byte(0x5D); tab(&out)
        out.decimal(total / 100); out.byte(0x2E); out.decimal(total % 100, width: 2); tab(&out)
        out.decimal(total / 400); out.byte(0x2E); out.decimal(total / 4 % 100, width: 2); tab(&out)
        out.string("DKK"); tab(&out)
        let issued = row * 53
        timestamp(&out, seconds: issued, micros: nil, zone: false); tab(&out)
        timestamp(&out, seconds: issued + 86_400 * 14, micros: nil, zone: false); tab(&out)
        if rng.chance(40) { null(&out) } else { prose.write(&out, &rng, count: 1) }; tab(&out)
        timestamp(&out, seconds: issued + rng.below(600), micros: rng.below(1000) * 1000)
        out.byte(0x0A)
    }

    private static func audit(_ out: inout ByteSink, _ rng: inout SplitMix64, row: Int, orgs: [(UInt64, UInt64)]) {
        let org = orgs[rng.below(orgs.count)]
        out.decimal(row); tab(&out)
        uuid(&out, &rng); tab(&out)
        uuid(&out, org.0, org.1); tab(&out)
        out.bytes(pick(methods, &rng)); tab(&out)
        out.bytes(pick(endpoints, &rng)); tab(&out)
        if rng.chance(15) { null(&out) } else { out.string("inv_"); out.hex(rng.next(), digits: 14) }; tab(&out)
        if rng.chance(25) { null(&out) } else {
            out.string("{\"query\": {\"page\": "); out.decimal(rng.range(1, 9))
            out.string(", \"pageSize\": 100}, \"headers\": {\"Accept\": \"application/json\", \"X-Access-Token\": \"[redacted]\"}}")
        }
        tab(&out)
        out.decimal([200, 200, 200, 201, 204, 400, 404, 429][rng.below(8)]); tab(&out)
        out.decimal(rng.range(40, 2400)); tab(&out)
        timestamp(&out, seconds: row * 17 + rng.below(17), micros: rng.below(1_000_000))
        out.byte(0x0A)
    }

    // MARK: - Binary float vectors

    static let vectorDimension = 1536

    /// `COPY (id bigint, embedding vector(1536)) TO STDOUT (FORMAT binary)`: the PGCOPY signature,
    /// then per row a field count, an int8 id and pgvector's binary form (int16 dimension, int16
    /// unused, 1536 big-endian float4), then the -1 trailer. Values are sums of two sinusoids with a
    /// per-row frequency and phase (embedding-like: |v| < 0.1, full-entropy mantissas). Deterministic.
    static func vectors(size: Int, seed: UInt64 = 0x766563746F72) -> Input {
        var rng = SplitMix64(seed: seed)
        let rowLength = 2 + 4 + 8 + 4 + 4 + vectorDimension * 4
        var out = ByteSink(capacity: size + rowLength + 64)
        out.bytes([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]) // PGCOPY\n\377\r\n\0
        out.bigEndian(UInt32(0)) // flags
        out.bigEndian(UInt32(0)) // header extension length
        var row: Int64 = 0
        while out.count + 2 < size {
            row += 1
            out.bigEndian(Int16(2))
            out.bigEndian(Int32(8)); out.bigEndian(row)
            out.bigEndian(Int32(4 + vectorDimension * 4))
            out.bigEndian(Int16(vectorDimension)); out.bigEndian(Int16(0))
            // Two sinusoids by recurrence: s[j+1] = 2 cos(w) s[j] - s[j-1].
            let w1 = 0.05 + Double(rng.below(1 << 20)) / Double(1 << 20) * 2.9
            let w2 = 0.5 + Double(rng.below(1 << 20)) / Double(1 << 20) * 2.5
            let p1 = Double(rng.below(1 << 20)) / Double(1 << 20) * 6.283
            let p2 = Double(rng.below(1 << 20)) / Double(1 << 20) * 6.283
            let a1 = 0.035 + Double(rng.below(1000)) / 40_000, a2 = 0.02
            let c1 = 2 * cos(w1), c2 = 2 * cos(w2)
            var s1a = sin(p1 - w1), s1b = sin(p1)
            var s2a = sin(p2 - w2), s2b = sin(p2)
            out.reserve(vectorDimension * 4)
            for _ in 0..<vectorDimension {
                let value = Float(a1 * s1b + a2 * s2b)
                out.bigEndian(value.bitPattern)
                let n1 = c1 * s1b - s1a; s1a = s1b; s1b = n1
                let n2 = c2 * s2b - s2a; s2a = s2b; s2b = n2
            }
        }
        out.bigEndian(Int16(-1))
        return out.take(name: "vectors", label: "COPY BINARY of (bigint, vector(1536)) rows, sin-based float4 values")
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
