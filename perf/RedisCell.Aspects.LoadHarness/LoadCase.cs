namespace RedisCell.Aspects.LoadHarness;

/// <summary>
/// One kind of call the harness drives: what one caller does per call, and which top-level server
/// commands that call shows up as in <c>INFO commandstats</c> (so the server's time per call can be
/// read; commands a script runs inside itself are part of the script's time).
/// </summary>
/// <param name="Name">Row label in the table.</param>
/// <param name="Call">One call; its argument is a counter that picks the key.</param>
/// <param name="ServerCommands">The top-level commands of one call, lower case.</param>
public sealed record LoadCase(string Name, Func<long, ValueTask> Call, params string[] ServerCommands);
