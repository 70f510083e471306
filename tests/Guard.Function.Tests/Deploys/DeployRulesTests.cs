using System.Text.Json;
using System.Text.Json.Nodes;
using Guard.Aws.Store;
using Guard.Function.Deploys;
using Guard.Function.Rollback;
using Guard.Function.Routing;
using Guard.Function.Tests.Support;

namespace Guard.Function.Tests.Deploys;

public sealed class DeployRulesTests
{
    private static CloudTrailRecord Route(string eventJson)
    {
        using var document = JsonDocument.Parse(eventJson);
        return EventRouter.Classify(document.RootElement).CloudTrail!.Detail!;
    }

    private static DeployRecord Good(string sha) => new("arn", sha, 10, "ok", "2024-01-01T00:00:00Z", "UpdateFunctionCode20150331v2", null, null);

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:fn", "arn:aws:lambda:us-east-1:123456789012:function:fn")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:fn:1", "arn:aws:lambda:us-east-1:123456789012:function:fn")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:fn:live", "arn:aws:lambda:us-east-1:123456789012:function:fn")]
    [InlineData("fn", "fn")]
    [InlineData("fn:$LATEST", "fn")]
    [InlineData("123456789012:function:fn", "123456789012:function:fn")]
    [InlineData("123456789012:function:fn:2", "123456789012:function:fn")]
    public void FunctionToCheck_NameOrArn_DropsQualifier(string given, string expected)
    {
        var detail = new CloudTrailRecord(null, "UpdateFunctionCode20150331v2", null, null, null, null, null, null, null, new LambdaRequestParameters(given, null, null, null, null), null);

        Assert.Equal(expected, DeployRules.FunctionToCheck(detail));
    }

    [Theory]
    [InlineData("UpdateFunctionCode20150331v2")]
    [InlineData("CreateFunction20150331")]
    public void CodeOriginOf_DeployFromVersionedS3_BucketKeyAndVersion(string eventName)
    {
        var detail = Route(CloudTrailEvents.Deploy(eventName, "fn", "sha", s3Code: ("artifacts", "fn.zip", "v1")));

        Assert.Equal(new CodeOrigin("artifacts", "fn.zip", "v1"), DeployRules.CodeOriginOf(detail.RequestParameters));
    }

    [Fact]
    public void CodeOriginOf_UnversionedS3_NoVersion()
    {
        var detail = Route(CloudTrailEvents.Deploy("UpdateFunctionCode20150331v2", "fn", "sha", s3Code: ("artifacts", "fn.zip", null)));

        Assert.Equal(new CodeOrigin("artifacts", "fn.zip", null), DeployRules.CodeOriginOf(detail.RequestParameters));
    }

    [Fact]
    public void CodeOriginOf_ZipFileUpload_Null()
    {
        Assert.Null(DeployRules.CodeOriginOf(Route(CloudTrailEvents.Verbatim()).RequestParameters));
    }

    [Fact]
    public void CodeOriginOf_ZipFileCreateWithEmptyCode_Null()
    {
        // A ZipFile CreateFunction records "code": {} (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html).
        var json = JsonNode.Parse(CloudTrailEvents.Deploy("CreateFunction20150331", "fn", "sha"))!;
        json["detail"]!["requestParameters"]!["code"] = new JsonObject();

        Assert.Null(DeployRules.CodeOriginOf(Route(json.ToJsonString()).RequestParameters));
    }

    [Theory]
    [InlineData("$LATEST.PUBLISHED", "$LATEST.PUBLISHED")]
    [InlineData("3", "3")]
    public void VersionToCheck_PublishVersion_TheVersionItMade(string published, string expected)
    {
        var detail = Route(ManagedInstancesEvents.PublishVersion("fn", "abc=", published));

        Assert.Equal(DeployCall.PublishVersion, DeployRules.CallOf(detail.EventName));
        Assert.Equal(expected, DeployRules.VersionToCheck(DeployCall.PublishVersion, detail));
    }

    [Fact]
    public void VersionToCheck_PublishVersionWithoutVersionField_TakesTheArnsQualifier()
    {
        var node = JsonNode.Parse(ManagedInstancesEvents.PublishVersion("fn", "abc=", "7"))!;
        node["detail"]!["responseElements"]!.AsObject().Remove("version");
        var detail = Route(node.ToJsonString());

        Assert.Equal("7", DeployRules.VersionToCheck(DeployCall.PublishVersion, detail));
    }

    [Theory]
    [InlineData("UpdateFunctionCode20150331v2")]
    [InlineData("CreateFunction20150331")]
    public void VersionToCheck_CreateOrUpdateThatAlsoPublished_LatestIsJudged(string eventName)
    {
        // The recorded UpdateFunctionCode had publish: true, so its response names version 1: the same code as $LATEST.
        var detail = Route(CloudTrailEvents.Deploy(eventName, "fn", "abc="));

        Assert.Null(DeployRules.VersionToCheck(DeployRules.CallOf(eventName)!.Value, detail));
        Assert.True(DeployRules.ChangesLatest(DeployRules.CallOf(eventName)!.Value));
        Assert.False(DeployRules.ChangesLatest(DeployCall.PublishVersion));
    }

    [Fact]
    public void FunctionToCheck_NoRequestName_UsesResponseName()
    {
        var detail = new CloudTrailRecord(null, "CreateFunction20150331", null, null, null, null, null, null, null, null, new LambdaResponseElements("fn", null, null, null, null));

        Assert.Equal("fn", DeployRules.FunctionToCheck(detail));
    }

    [Fact]
    public void FunctionToCheck_NoNameAnywhere_IsNull()
    {
        Assert.Null(DeployRules.FunctionToCheck(new CloudTrailRecord(null, "CreateFunction20150331", null, null, null, null, null, null, null, null, null)));
    }

    [Theory]
    [InlineData("abc=", "abc=", false)]
    [InlineData("abc=", "xyz=", true)]
    [InlineData(null, "xyz=", false)]
    [InlineData("", "xyz=", false)]
    public void IsStale_EventDigestAgainstCurrent_StaleOnlyWhenTheyDiffer(string? eventSha, string currentSha, bool stale)
    {
        Assert.Equal(stale, DeployRules.IsStale(eventSha, currentSha));
    }

    [Theory]
    [InlineData(GuardMode.Alert, null, GuardMode.Alert, false)]
    [InlineData(GuardMode.Alert, "off", GuardMode.Off, true)]
    [InlineData(GuardMode.Off, "alert", GuardMode.Alert, true)]
    [InlineData(GuardMode.Alert, "ROLLBACK", GuardMode.Rollback, true)]
    [InlineData(GuardMode.Rollback, "banana", GuardMode.Rollback, false)]
    public void ResolveMode_TagAgainstEnvironment_TagWinsWhenValid(GuardMode configured, string? tag, GuardMode expected, bool fromTag)
    {
        var tags = tag is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["guard:mode"] = tag };

        Assert.Equal(expected, DeployRules.ResolveMode(configured, tags, out var usedTag));
        Assert.Equal(fromTag, usedTag);
    }

    [Fact]
    public void DecidePlaceholder_OnCreate_RememberedEvenOverGood()
    {
        Assert.Equal(PlaceholderAction.RememberPending, DeployRules.DecidePlaceholder(DeployCall.CreateFunction, Good("old="), "new="));
    }

    [Fact]
    public void DecidePlaceholder_UpdateCodeOverGood_Alerts()
    {
        Assert.Equal(PlaceholderAction.AlertOverGood, DeployRules.DecidePlaceholder(DeployCall.UpdateFunctionCode, Good("old="), "new="));
    }

    [Fact]
    public void DecidePlaceholder_UpdateCodeWithoutGood_Remembered()
    {
        Assert.Equal(PlaceholderAction.RememberPending, DeployRules.DecidePlaceholder(DeployCall.UpdateFunctionCode, null, "new="));
    }

    [Fact]
    public void DecidePlaceholder_GoodRecordIsThisSameCode_Remembered()
    {
        Assert.Equal(PlaceholderAction.RememberPending, DeployRules.DecidePlaceholder(DeployCall.UpdateFunctionCode, Good("same="), "same="));
    }

    [Fact]
    public void DecidePlaceholder_ConfigurationChangeOverGood_Remembered()
    {
        Assert.Equal(PlaceholderAction.RememberPending, DeployRules.DecidePlaceholder(DeployCall.UpdateFunctionConfiguration, Good("old="), "new="));
    }

    [Theory]
    [InlineData("CreateFunction20150331", DeployCall.CreateFunction)]
    [InlineData("UpdateFunctionCode20150331v2", DeployCall.UpdateFunctionCode)]
    [InlineData("UpdateFunctionConfiguration20150331v2", DeployCall.UpdateFunctionConfiguration)]
    public void CallOf_SuffixedName_IsItsCall(string name, DeployCall call)
    {
        Assert.Equal(call, DeployRules.CallOf(name));
    }

    [Fact]
    public void CallOf_UrlConfig_IsNoDeploy()
    {
        Assert.Null(DeployRules.CallOf("CreateFunctionUrlConfig20211031"));
    }
}
