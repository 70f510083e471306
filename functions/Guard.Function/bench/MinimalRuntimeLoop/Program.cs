// /next, answer "{}", repeat: what any AOT custom runtime must do at the least.
using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
{
    BaseAddress = new Uri($"http://{Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API")}/2018-06-01/runtime/"),
    Timeout = Timeout.InfiniteTimeSpan,
};
while (true)
{
    using var next = await http.GetAsync(new Uri("invocation/next", UriKind.Relative));
    var requestId = next.Headers.GetValues("Lambda-Runtime-Aws-Request-Id").First();
    _ = await next.Content.ReadAsByteArrayAsync();
    using var content = new StringContent("{}");
    using var answer = await http.PostAsync(new Uri($"invocation/{requestId}/response", UriKind.Relative), content);
}
