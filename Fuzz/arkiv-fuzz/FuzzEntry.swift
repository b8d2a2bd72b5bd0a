import ArkivArchive
import ArkivEngine
import Foundation

// libFuzzer entry point for arkiv's parsers of untrusted bytes. Built only by scripts/fuzz
// (ARKIV_FUZZ=1 adds this target to Package.swift; -sanitize=fuzzer links libFuzzer's main).
//
//   ARKIV_FUZZ_TARGET=archive   an archive file: header, records, index, footer, every member read
//   ARKIV_FUZZ_TARGET=manifest  manifest.json: parsed, then opened (key unwrapped, MAC checked)
//   ARKIV_FUZZ_TARGET=policy    a policy file (Policy.parse)
//
// Inputs that are not valid must end in a thrown error; a trap, an overflow, a runaway
// allocation or a hang is a finding. The keys are fixed so that the corpus in Fuzz/corpus/
// (written by FuzzCorpusTests with ARKIV_FUZZ_WRITE_SEEDS=1) holds inputs that authenticate and
// lets the fuzzer reach past the MACs; FuzzCorpusTests uses the same bytes.

enum FuzzKeys {
    static let dataKey: DataKey? = {
        var bytes = (1...32).map { UInt8($0) }
        return try? DataKey(SecureBytes(consuming: &bytes))
    }()
    static let identity: Identity? = {
        var bytes = (101...132).map { UInt8($0) }
        return try? Identity(privateKey: SecureBytes(consuming: &bytes))
    }()
}

enum FuzzTarget: String {
    case archive, manifest, policy

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["ARKIV_FUZZ_TARGET"] ?? "archive"
        guard let target = FuzzTarget(rawValue: name) else { fatalError("ARKIV_FUZZ_TARGET must be archive, manifest or policy, not \(name)") }
        return target
    }()

    /// One file per process: libFuzzer runs inputs one after another on one thread.
    static let scratchFile = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
        + "/arkiv-fuzz-\(getpid()).arkiv"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .archive:
            guard FileManager.default.createFile(atPath: Self.scratchFile, contents: Data(bytes)) else { fatalError("cannot write \(Self.scratchFile)") }
            for key in [FuzzKeys.dataKey, nil] {
                guard let reader = try? ArchiveReader(path: Self.scratchFile, dataKey: key) else { continue }
                _ = try? reader.verify()
                for member in reader.members {
                    _ = try? reader.contents(of: member.id, limit: 8 << 20)
                }
                if let scanner = try? reader.scan() {
                    while let chunk = try? scanner.next() { _ = chunk }
                }
            }
        case .manifest:
            guard let sealed = try? ManifestCodec.decode(Data(bytes), file: "fuzz/manifest.json") else { return }
            _ = try? sealed.open(identities: FuzzKeys.identity.map { [$0] } ?? [])
        case .policy:
            // The policy file: every input ends in a Policy or a PolicyError, never a trap (the
            // parser screens what would reach toml++'s asserts before handing text over).
            _ = try? Policy.parse(bytes: bytes, fileName: "fuzz.toml")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTarget.selected.run(bytes)
    return 0
}

// SwiftPM links an executable with `main` defined as `<module>_main` (so tests can link the
// module), which keeps libFuzzer's own `main` out: this is that entry point, handing over to
// libFuzzer's driver with the function above.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("arkiv_fuzz_main")
public func arkivFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
