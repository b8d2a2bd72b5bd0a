import ArkivArchive
import ArkivCatalog

/// The non-data members of each schema's archive file (FORMAT.md §8.4):
/// `pre-data` and `tables` before the table data, `sequences` and `post-data` after it.
extension SetFiles {
    enum Phase { case preData, postData }

    static let preDataMember = "pre-data"
    static let tablesMember = "tables"
    static let sequencesMember = "sequences"
    static let postDataMember = "post-data"

    func writeSchemaMembers(catalog: CatalogSnapshot, sequences: [SequenceState], phase: Phase) throws {
        for schema in catalog.schemas {
            guard let file = fileNames[schema.schema] else { continue }
            switch phase {
            case .preData:
                try writeJSON(schema.preData, to: file, kind: .preData, name: Self.preDataMember)
                try writeJSON(catalog.tables.filter { $0.schema == schema.schema }, to: file, kind: .metadata, name: Self.tablesMember)
            case .postData:
                try writeJSON(sequences.filter { $0.schema == schema.schema }, to: file, kind: .sequences, name: Self.sequencesMember)
                try writeJSON(schema.postData, to: file, kind: .postData, name: Self.postDataMember)
            }
        }
    }
}
