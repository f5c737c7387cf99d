namespace WebApiSample;

/// <summary>Calls the running API the way a client would, and prints what comes back.</summary>
public static class Demo
{
    public static async Task<IReadOnlyList<HttpResponseMessage>> RunAsync(Uri baseAddress, TextWriter output)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var responses = new List<HttpResponseMessage>();
        foreach (string user in new[] { "alice", "alice", "alice", "bob" })
        {
            HttpResponseMessage response = await client.GetAsync($"/orders/{user}");
            responses.Add(response);
            output.WriteLine($"GET /orders/{user} -> {(int)response.StatusCode} {response.ReasonPhrase}");
            foreach (string header in new[] { "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset" })
            {
                if (response.Headers.TryGetValues(header, out IEnumerable<string>? values)) output.WriteLine($"    {header}: {string.Join(",", values)}");
            }

            output.WriteLine($"    {await response.Content.ReadAsStringAsync()}");
        }

        return responses;
    }
}
