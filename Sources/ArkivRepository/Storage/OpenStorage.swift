import Foundation

extension RepositoryLocation {
    /// The storage behind a `--repo`: a local directory (made when `create`, its parent must
    /// exist), or an S3 bucket configured from the environment (docs/OPERATIONS.md, "Offsite
    /// copies").
    public func open(create: Bool = false, s3Endpoint: String? = nil, s3PathStyle: Bool = false) throws(StorageError) -> any Storage {
        switch self {
        case .local(let path):
            let standardized = (path as NSString).standardizingPath
            if !FileSystem.exists(standardized) {
                // The backup makes only the last folder, so a missing parent is a wrong path.
                let parent = (standardized as NSString).deletingLastPathComponent
                guard parent.isEmpty || FileSystem.exists(parent) else {
                    throw .misconfigured("no repository at \(standardized), and its folder \(parent) does not exist either: check the path "
                                         + "(a backup creates only the repository's own folder)")
                }
                guard create else { throw .notFound(standardized) }
                guard mkdir(standardized, 0o700) == 0 else { throw .io(standardized, operation: "create the repository", errno: errno) }
            }
            guard FileSystem.isDirectory(standardized) else { throw .misconfigured("\(standardized) is not a directory") }
            return LocalStorage(root: standardized)
        case .s3(let bucket, let prefix):
            return S3Storage(bucket: bucket, prefix: prefix, configuration: try S3Configuration.resolve(endpoint: s3Endpoint, pathStyle: s3PathStyle))
        }
    }
}
