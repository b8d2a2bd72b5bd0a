import ArkivArchive

/// A new set's identity and keys: a random set id, a random data key wrapped for every
/// recipient (and the passphrase), or nothing at all when encryption was explicitly declined.
struct SetKeys: Sendable {
    let setID: BackupSetID
    let dataKey: DataKey?
    let encryption: Encryption
    let info: Manifest.EncryptionInfo

    init(options: BackupOptions) throws {
        setID = try BackupSetID.generate()
        guard options.encrypt else {
            dataKey = nil
            encryption = .none
            info = .unencrypted
            return
        }
        guard !options.recipients.isEmpty || options.passphrase != nil else { throw KeySources.KeyError.noRecipients }
        let key = try DataKey.generate()
        dataKey = key
        encryption = .aes256GCM(key)
        info = Manifest.EncryptionInfo(
            cipher: "aes-256-gcm", keys: try KeyWrap.wrap(key, for: options.recipients, passphrase: options.passphrase))
    }
}
