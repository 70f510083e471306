using Guard.Aws.Http;

namespace Guard.Aws.Tests.Http;

public sealed class TransientErrorsTests
{
    [Theory]
    [InlineData(429, null)]
    [InlineData(408, null)]
    [InlineData(500, "InternalError")]
    [InlineData(503, "SlowDown")]
    [InlineData(400, "ThrottlingException")]
    [InlineData(400, "RequestTimeout")]
    [InlineData(0, "NetworkFailure")]
    [InlineData(200, "InternalError")]
    [InlineData(200, "ServiceUnavailable")]
    public void IsTransient_ThrottlingServerFailuresAndTimeouts_AreWorthAnotherAttempt(int status, string? code) =>
        Assert.True(TransientErrors.IsTransient(status, code));

    [Theory]
    [InlineData(404, "NoSuchKey")]
    [InlineData(403, "AccessDenied")]
    [InlineData(412, "PreconditionFailed")]
    [InlineData(400, "ValidationException")]
    [InlineData(200, "ResponseTooLarge")]
    public void IsTransient_AnswersThatWouldRepeat_AreNot(int status, string code) =>
        Assert.False(TransientErrors.IsTransient(status, code));
}
