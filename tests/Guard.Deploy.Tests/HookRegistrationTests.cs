namespace Guard.Deploy.Tests;

/// <summary>
/// The Lambda hook's registration, in template.yaml and in examples/hook-registration.yaml alike: every way CloudFormation
/// or Cloud Control provisions a function reaches it (cfn-lint passes both, TemplateLintTests).
/// </summary>
public sealed class HookRegistrationTests
{
    public static TheoryData<string> Templates => new([Repository.TemplatePath, Path.Combine(Repository.Root, "examples", "hook-registration.yaml")]);

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Hook_TargetsResourcesCloudControlAndChangeSets(string path)
    {
        var hook = (await CloudFormationTemplate.LoadAsync(path)).Properties("BootstrapCheckHook");

        var operations = hook.GetProperty("TargetOperations").EnumerateArray().Select(o => o.GetString()).Order(StringComparer.Ordinal);

        Assert.Equal(["CHANGE_SET", "CLOUD_CONTROL", "RESOURCE"], operations);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Hook_Filters_CreatesAndUpdatesOfLambdaFunctionsBeforeProvisioning(string path)
    {
        var filters = (await CloudFormationTemplate.LoadAsync(path)).Properties("BootstrapCheckHook").GetProperty("TargetFilters");

        // CREATE is the only action a change set target has: without it the change set is never shown to Guard.
        Assert.Equal(["CREATE", "UPDATE"], filters.GetProperty("Actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["PRE_PROVISION"], filters.GetProperty("InvocationPoints").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["AWS::Lambda::Function"], filters.GetProperty("TargetNames").EnumerateArray().Select(a => a.GetString()));
    }
}
