namespace Guard.Aws.Notifications;

/// <summary>Publishes to an SNS topic.</summary>
public interface ISnsPublisher
{
    /// <returns>The MessageId SNS assigned.</returns>
    /// <exception cref="ArgumentException">The request breaks an SNS limit (checked before sending).</exception>
    /// <exception cref="Http.AwsServiceException">SNS refused or could not be reached after retries.</exception>
    Task<string> PublishAsync(SnsPublishRequest request, CancellationToken cancellationToken);
}
