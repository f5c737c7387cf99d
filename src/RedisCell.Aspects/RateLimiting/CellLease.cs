using System;
using System.Collections.Generic;
using System.Threading.RateLimiting;

namespace RedisCell.Aspects.RateLimiting;

/// <summary>
/// A lease for a rate (not a concurrency) limit: nothing is held, so disposing it gives nothing back.
/// Carries the decision as metadata.
/// </summary>
internal sealed class CellLease : RateLimitLease
{
    private static readonly string[] s_rejectedNames = [MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name, CellLeaseMetadata.Result.Name];
    private static readonly string[] s_neverNames = [MetadataName.ReasonPhrase.Name, CellLeaseMetadata.Result.Name];
    private static readonly string[] s_acquiredNames = [CellLeaseMetadata.Result.Name];
    private static readonly string[] s_deferredNames = [CellLeaseMetadata.Deferred.Name, MetadataName.ReasonPhrase.Name];

    private readonly RateLimitResult _result;
    private readonly bool _decided;

    private CellLease(bool acquired, RateLimitResult result, bool decided)
    {
        IsAcquired = acquired;
        _result = result;
        _decided = decided;
    }

    /// <summary>The lease an <c>AttemptAcquire</c> returns without deciding (see <see cref="AttemptAcquireBehavior.NeverBlockThreadPool"/>).</summary>
    public static CellLease Deferred { get; } = new(false, default, decided: false);

    public static CellLease For(in RateLimitResult result, bool acquired) => new(acquired, result, decided: true);

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames =>
        !_decided ? s_deferredNames
        : IsAcquired ? s_acquiredNames
        : _result.Limited && _result.RetryAfter >= TimeSpan.Zero ? s_rejectedNames
        : s_neverNames;

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        if (!_decided)
        {
            if (metadataName == CellLeaseMetadata.Deferred.Name) metadata = true;
            else if (metadataName == MetadataName.ReasonPhrase.Name) metadata = "Not decided: a synchronous decision would make a thread-pool thread wait for Redis; call AcquireAsync.";
            return metadata is not null;
        }

        if (metadataName == CellLeaseMetadata.Result.Name)
        {
            metadata = _result;
        }
        else if (!IsAcquired && metadataName == MetadataName.RetryAfter.Name && _result.Limited && _result.RetryAfter >= TimeSpan.Zero)
        {
            metadata = _result.RetryAfter;
        }
        else if (!IsAcquired && metadataName == MetadataName.ReasonPhrase.Name)
        {
            metadata = !_result.Limited
                ? $"No permit is available for '{_result.Rule.Key}' ({_result.Rule.Policy})."
                : new RateLimitExceededException(_result).Message;
        }

        return metadata is not null;
    }
}
