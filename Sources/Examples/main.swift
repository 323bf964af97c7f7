import Foundation

// `swift run -c release Examples [subcommand] [options]`: the worked examples and demos.
// Each subcommand lives in its own file and registers itself in `Subcommand.all`.

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    try Subcommand.run(arguments)
} catch let error as UsageError {
    FileHandle.standardError.write(Data("error: \(error.message)\n\nRun 'Examples --help' for the list of subcommands.\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
