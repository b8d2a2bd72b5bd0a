import ArkivCLI

CommandRunner.main(VerifyCommand.self)
