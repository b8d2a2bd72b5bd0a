import ArkivArchive
import ArkivCatalog
@testable import ArkivEngine
import Testing

@Suite("HNSW graph memory, estimated before the load")
struct VectorIndexMemoryTests {
    @Test("the column, the type's width and m are read from pg_get_indexdef's output; other indexes are not estimated")
    func definitions() {
        let plain = HNSWDefinition("CREATE INDEX i ON vault.embeddings USING hnsw (embedding public.vector_cosine_ops) WITH (m='16', ef_construction='64');")
        #expect(plain?.column == "embedding" && plain?.bytesPerDimension == 4 && plain?.m == 16)
        let quoted = HNSWDefinition("CREATE INDEX i ON s.t USING hnsw (\"My \"\"Col\"\"\" extensions.halfvec_l2_ops) WITH (m='32');")
        #expect(quoted?.column == "My \"Col\"" && quoted?.bytesPerDimension == 2 && quoted?.m == 32)
        #expect(HNSWDefinition("CREATE INDEX i ON s.t USING hnsw (e vector_ip_ops);")?.m == 16)
        #expect(HNSWDefinition("CREATE INDEX i ON s.t USING hnsw (((e)::halfvec(3)) halfvec_l2_ops);") == nil)
        #expect(HNSWDefinition("CREATE INDEX i ON s.t USING hnsw (b bit_hamming_ops);") == nil)
        #expect(HNSWDefinition("CREATE INDEX i ON s.t USING ivfflat (e vector_l2_ops) WITH (lists='100');") == nil)
        #expect(HNSWDefinition("CREATE INDEX i ON s.t USING btree (e);") == nil)
    }

    @Test("rows less NULLs times the element size; a warning only when it does not fit, with a size that would")
    func estimate() throws {
        let statement = DDLStatement(
            kind: "index", name: "vault.embeddings.embeddings_embedding_hnsw_idx",
            sql: "CREATE INDEX embeddings_embedding_hnsw_idx ON vault.embeddings USING hnsw (embedding public.vector_cosine_ops) WITH (m='16', ef_construction='64');",
            dependsOn: ["vault.embeddings"], position: 1)
        let column = Manifest.VectorColumn(name: "embedding", declaredDimension: 1536, nullCount: 1_000, minDimension: 1536, maxDimension: 1536)
        let table = Manifest.TableEntry(schema: "vault", name: "embeddings", file: "vault.arkiv", copyFormat: "binary", rows: 29_000,
                                        plaintextBytes: 0, storedBytes: 0, contentHash: "", parts: [], vectorColumns: [column])
        let estimates = VectorIndexMemory.estimates([statement], tables: [table])
        try #require(estimates.count == 1)
        #expect(estimates[0].vectors == 28_000)
        #expect(estimates[0].bytes == 28_000 * VectorIndexMemory.elementBytes(dimension: 1536, bytesPerDimension: 4, m: 16))
        #expect(estimates[0].warning(available: 256 << 20) == nil)
        let warning = try #require(estimates[0].warning(available: 64 << 20))
        #expect(warning.contains("needs about 183 MB") && warning.contains("maintenance_work_mem is 64 MB") && warning.contains("--maintenance-work-mem 229MB"), "\(warning)")
    }
}
