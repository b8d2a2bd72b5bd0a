import Foundation

struct Report {
    let results: [Measurement]
    let inputs: [Input]
    let options: Options

    func markdown() -> String {
        var lines: [String] = []
        lines.append("| benchmark | what | input | threads | MB/s (median) | runs (MB/s) | CPU use | ratio | target (1 core) |")
        lines.append("|---|---|---|--:|--:|---|--:|--:|---|")
        for result in results {
            let runs = result.runs.map { String(format: "%.0f", $0) }.joined(separator: " / ")
            let ratio = result.ratio.map { String(format: "%.2f×", $0) } ?? ""
            let target = result.target.map { target in
                String(format: "≥ %.0f: %@", target, result.passes == true ? "pass" : "**FAIL**")
            } ?? ""
            lines.append("| `\(result.id)` | \(result.title) | \(result.input.name) | \(result.threads) | "
                + String(format: "**%.0f**", result.megabytesPerSecond) + " | \(runs) | "
                + String(format: "%.2f", result.cpuUse) + " | \(ratio) | \(target) |")
        }
        lines.append("")
        for input in inputs {
            lines.append("- \(input.name): \(input.count) bytes (\(String(format: "%.1f", Double(input.count) / 1_048_576)) MiB), \(input.label)")
        }
        lines.append("- median of \(options.repeats) runs after one warm-up; MB = 10^6 plaintext bytes; ratio = plaintext / stored bytes; "
            + "CPU use = process CPU time / wall time of the median run (1.00 = one core busy throughout); "
            + "writes append \(options.appendSize) bytes at a time; chunks 1 MiB")
        return lines.joined(separator: "\n") + "\n"
    }

    func json() -> String {
        func string(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        }
        func number(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var out = "{\n  \"repeats\": \(options.repeats),\n  \"appendSize\": \(options.appendSize),\n  \"chunkSize\": 1048576,\n  \"inputs\": [\n"
        out += inputs.map { "    {\"name\": \(string($0.name)), \"bytes\": \($0.count), \"label\": \(string($0.label))}" }
            .joined(separator: ",\n")
        out += "\n  ],\n  \"results\": [\n"
        out += results.map { result in
            var fields = [
                "\"id\": \(string(result.id))",
                "\"title\": \(string(result.title))",
                "\"input\": \(string(result.input.name))",
                "\"threads\": \(result.threads)",
                "\"plaintextBytes\": \(result.plaintextBytes)",
                "\"medianSeconds\": \(number(result.medianSeconds, 4))",
                "\"mbPerSecond\": \(number(result.megabytesPerSecond))",
                "\"runsMBPerSecond\": [\(result.runs.map { number($0) }.joined(separator: ", "))]",
                "\"cpuUse\": \(number(result.cpuUse, 2))",
                "\"mbPerCPUSecond\": \(number(result.megabytesPerCPUSecond))",
            ]
            if let ratio = result.ratio { fields.append("\"ratio\": \(number(ratio, 3))") }
            if let target = result.target { fields.append("\"targetMBPerSecond\": \(number(target, 0))") }
            if let passes = result.passes { fields.append("\"pass\": \(passes)") }
            return "    {" + fields.joined(separator: ", ") + "}"
        }.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return out
    }
}
