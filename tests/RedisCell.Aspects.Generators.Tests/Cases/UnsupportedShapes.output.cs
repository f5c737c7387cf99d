//// Diagnostics
// RCA008 Error Test0.cs(10,18): 'Service.Hidden()' is private, so generated interceptors cannot call it; make it internal or public, or use partial mode ('partial' declaration with the body in 'HiddenCore')
// RCA008 Error Test0.cs(13,27): 'Service.Guarded()' is protected, so generated interceptors cannot call it; make it internal or public, or use partial mode ('partial' declaration with the body in 'GuardedCore')
// RCA008 Error Test0.cs(26,21): 'Service.Nested.Inside()' is in the private type 'Service.Nested', so generated interceptors cannot call it; make it internal or public, or use partial mode ('partial' declaration with the body in 'InsideCore')
// RCA009 Warning Test0.cs(32,38): This call to 'Service.Visible()' is not rate limited: a 'base.' call cannot be intercepted; move the attribute to the override or use partial mode
// RCA009 Warning Test0.cs(37,65): This call to 'Service.Visible()' is not rate limited: calls inside an expression tree cannot be intercepted
// RCA009 Warning Test0.cs(39,50): This call to 'Service.Echo(int)' is not rate limited: it is dispatched dynamically at run time
