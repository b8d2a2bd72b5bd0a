/// Where a sequence stands, as the next value `nextval()` would hand out.
struct SequencePosition: Equatable {
    let lastValue: Int64
    let isCalled: Bool
    let increment: Int64

    /// The value the next `nextval()` returns (saturating at the type's ends).
    var next: Int64 {
        guard isCalled else { return lastValue }
        let (sum, overflow) = lastValue.addingReportingOverflow(increment)
        return overflow ? (increment > 0 ? .max : .min) : sum
    }

    /// Whether this sequence would hand out a value `other` has already handed out (or will
    /// hand out before this one's next): behind it in the sequence's own direction.
    func isBehind(_ other: SequencePosition) -> Bool {
        increment >= 0 ? next < other.next : next > other.next
    }
}
