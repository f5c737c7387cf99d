using AlgorithmPlot;

// Draws docs/images/algorithms.svg (see Plot):
//
//   dotnet run --project tools/AlgorithmPlot -c Release -- docs/images/algorithms.svg
string output = args.Length > 0 ? args[0] : Path.Combine("docs", "images", "algorithms.svg");
(string svg, string summary) = Plot.Make();
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllText(output, svg);
Console.WriteLine($"Wrote {output}");
Console.Write(summary);
