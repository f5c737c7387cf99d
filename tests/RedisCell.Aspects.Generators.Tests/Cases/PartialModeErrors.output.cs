//// Diagnostics
// RCA010 Error Test0.cs(8,24): 'Reports.Build(int)' is declared partial, so the generator implements it by calling 'BuildCore', which does not exist; move the body into a method 'BuildCore' with the same parameters
// RCA012 Error Test0.cs(11,18): 'Reports.Quiet()' needs an accessibility modifier (such as 'private' or 'public'), so that the build fails instead of dropping the method when its generated implementation is missing
// RCA011 Error Test0.cs(21,29): 'NotPartial.Inner.Run()' is declared partial, but its containing type 'NotPartial' is not; declare 'NotPartial' partial
// CS8795 Error Test0.cs(8,24): Partial method 'Reports.Build(int)' must have an implementation part because it has accessibility modifiers.
// CS8795 Error Test0.cs(21,29): Partial method 'NotPartial.Inner.Run()' must have an implementation part because it has accessibility modifiers.
