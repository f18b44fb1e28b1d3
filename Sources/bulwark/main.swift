import BulwarkCLI

await BulwarkCommand.start()
