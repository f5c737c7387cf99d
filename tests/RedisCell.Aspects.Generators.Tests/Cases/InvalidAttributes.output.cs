//// Diagnostics
// RCA001 Error Test0.cs(12,6): [Gcra] on 'Broken.NegativeBurst()': max_burst must be from 0 to 9007199254740990, but was -1.
// RCA001 Error Test0.cs(15,6): [Gcra] on 'Broken.IntervalTooShort()': 2000000 requests per 1s is an emission interval of 500 ns; it must be at least 1 microsecond.
// RCA001 Error Test0.cs(18,6): [RatePerSecond] on 'Broken.ZeroRate()': the limit must be from 1 to 999999999999999, but was 0.
// RCA002 Error Test0.cs(21,6): Key template "user:{userId" on 'Broken.Unclosed(int)' is malformed: the '{' at position 5 is never closed; write '{{' for a literal brace
// RCA002 Error Test0.cs(24,6): Key template "user:}" on 'Broken.StrayBrace(int)' is malformed: the '}' at position 5 closes nothing; write '}}' for a literal brace
// RCA003 Error Test0.cs(27,6): Key template "user:{user}" on 'Broken.UnknownParameter(int)' uses 'user', which is not a parameter of the method
// RCA003 Error Test0.cs(30,6): Key template "user:{usrId}" on 'Broken.MisspeltParameter(int)' uses 'usrId', which is not a parameter of the method; did you mean 'userId'?
// RCA004 Error Test0.cs(33,6): Key template "user:{customer.Name}" on 'Broken.UnknownMember(Customer)' uses 'customer.Name', but 'Customer' has no readable instance field or property 'Name'
// RCA005 Error Test0.cs(36,6): Key template "user:{result}" on 'Broken.OutInKey(int)' uses 'result', which is an out parameter, unassigned before the call
// RCA006 Error Test0.cs(39,6): Cost = "count" on 'Broken.MissingCost(string)' names no parameter of the method
// RCA006 Error Test0.cs(42,6): Cost = "cost" on 'Broken.NonIntegerCost(string, double)' names 'cost' of type 'double', which is not an integer type
// RCA001 Error Test0.cs(45,6): [RatePerSecond] on 'Broken.RateBeyondTheScriptsCount()': the limit must be from 1 to 999999999999999, but was 1000000000000000.
