import ArkivArchive
import Foundation

/// Micro-benchmarks of the archive paths (docs/BENCHMARKS.md, driven by `scripts/bench archive`).
/// Release builds only: a debug build measures the Swift runtime's checks, not the archive.
struct Options {
    var inputPath: String?
    var inputLabel: String?
    var sizeMiB = 256
    var repeats = 3
    var json = false
    var jsonPath: String?
    var temporaryDirectory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var appendSize = 64 << 10
    var only: [String] = []
    var threads = true

    static let usage = """
        usage: arkiv-bench [--input FILE [--input-label TEXT]] [--size MIB] [--repeat N] [--json] [--json-out FILE]
                           [--tmpdir DIR] [--append-size BYTES] [--only ID,...] [--no-threads]

        Archive micro-benchmarks on one thread (plus rows marked 2 threads), on two inputs of --size MiB
        (default 256): COPY text (--input FILE, repeated to size; otherwise a seeded synthetic generator)
        and COPY BINARY float4 vectors (1536-d). Each benchmark runs once to warm up, then --repeat times
        (default 3); the median is reported in MB/s (10^6 plaintext bytes per second).
          --json          print JSON instead of the Markdown table
          --json-out FILE also write the JSON to FILE
          --tmpdir DIR    where archive files are written and fsynced (default $TMPDIR or /tmp)
          --append-size   bytes per ArchiveWriter.append call (default 65536, like a COPY stream)
          --only ID,...   run only benchmarks whose id contains one of these (e.g. write/text,zstd)
          --no-threads    skip the 2-thread rows
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            return next
        }
        func integer(_ flag: String, _ range: ClosedRange<Int>) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), range.contains(number) else { throw BenchError("\(flag) must be in \(range), not '\(text)'") }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--input": options.inputPath = try value(argument)
            case "--input-label": options.inputLabel = try value(argument)
            case "--size": options.sizeMiB = try integer(argument, 1...65536)
            case "--repeat": options.repeats = try integer(argument, 1...100)
            case "--json": options.json = true
            case "--json-out": options.jsonPath = try value(argument)
            case "--tmpdir": options.temporaryDirectory = try value(argument)
            case "--append-size": options.appendSize = try integer(argument, 1...(256 << 20))
            case "--only": options.only = try value(argument).split(separator: ",").map(String.init)
            case "--no-threads": options.threads = false
            case "-h", "--help":
                print(usage)
                exit(0)
            default: throw BenchError("unknown argument '\(argument)'")
            }
        }
        return options
    }
}

@main
struct ArkivBench {
    static func main() {
        let options: Options
        do {
            options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            log("arkiv-bench: \(error)\n\n\(Options.usage)")
            exit(2)
        }
        do {
            try run(options)
        } catch {
            log("arkiv-bench: \(error)")
            exit(1)
        }
    }

    static func run(_ options: Options) throws {
        #if DEBUG
        log("arkiv-bench: warning: this is a debug build; build with -c release for meaningful figures")
        #endif
        let size = options.sizeMiB << 20
        let started = Clock.now()
        log("arkiv-bench: preparing inputs (\(options.sizeMiB) MiB each)")
        let text: Input
        if let path = options.inputPath {
            text = try Inputs.textFile(path: path, size: size, label: options.inputLabel ?? "COPY text from \(path), repeated")
        } else {
            text = Inputs.syntheticText(size: size)
        }
        let vectors = Inputs.vectors(size: size)
        log("  text: \(text.count) bytes — \(text.label)")
        log("  vectors: \(vectors.count) bytes — \(vectors.label)")

        let bench = try Bench(options: options)
        defer { bench.removeDirectory() }
        log("arkiv-bench: files in \(bench.directory)")
        let zstd3 = Codec.zstd(level: 3)
        try bench.archive(text, codec: zstd3, writeTarget: Targets.writeText, readTarget: Targets.readText)
        if options.threads { try bench.archiveTwoThreads(text, codec: zstd3) }
        try bench.archive(text, codec: .none, suffix: "-none")
        try bench.archive(vectors, codec: zstd3)
        if options.threads { try bench.archiveTwoThreads(vectors, codec: zstd3) }
        try bench.cryptoAndHashing(text, target: Targets.cryptoAndHashing)
        if options.threads { try bench.cryptoAndHashing(text, threads: 2) }
        try bench.sha256Alone(text)
        try bench.aesAlone(text)
        try bench.zstd(text)
        try bench.zstd(vectors)
        log(String(format: "arkiv-bench: done in %.0f s", Clock.now() - started))

        let report = Report(results: bench.results, inputs: [text, vectors], options: options)
        if let path = options.jsonPath {
            guard FileManager.default.createFile(atPath: path, contents: Data(report.json().utf8)) else {
                throw BenchError("cannot write \(path)")
            }
        }
        print(options.json ? report.json() : report.markdown(), terminator: "")
    }
}

/// The one-core targets, in MB/s of plaintext.
enum Targets {
    static let writeText = 250.0
    static let readText = 500.0
    static let cryptoAndHashing = 1000.0
}
