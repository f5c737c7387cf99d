using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace RedisCell.Aspects.CodeFixes;

/// <summary>
/// Fix-all for <see cref="CopyAttributeToBaseMemberCodeFix"/>. Many diagnostics (every call
/// through one interface member) point at the same member, in another document than their own; a
/// batch of per-diagnostic edits would add the attribute once per diagnostic. This gathers the
/// targets first and annotates each member once.
/// </summary>
internal sealed class CopyAttributeFixAllProvider : FixAllProvider
{
    public static readonly CopyAttributeFixAllProvider Instance = new();

    private CopyAttributeFixAllProvider()
    {
    }

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
        [FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution];

    public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext) =>
        Task.FromResult<CodeAction?>(CodeAction.Create(
            "Copy the rate-limit attributes to the members calls bind to",
            async cancellationToken =>
            {
                var targets = new List<CopyAttributeToBaseMemberCodeFix.Target>();
                foreach (Document document in DocumentsInScope(fixAllContext))
                {
                    ImmutableArray<Diagnostic> diagnostics = await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
                    foreach (Diagnostic diagnostic in diagnostics)
                    {
                        if (await CopyAttributeToBaseMemberCodeFix.FindTargetAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is { } target)
                        {
                            targets.Add(target);
                        }
                    }
                }

                return await CopyAttributeToBaseMemberCodeFix.CopyAsync(fixAllContext.Solution, targets, cancellationToken).ConfigureAwait(false);
            },
            fixAllContext.CodeActionEquivalenceKey));

    private static IEnumerable<Document> DocumentsInScope(FixAllContext context) => context.Scope switch
    {
        FixAllScope.Document when context.Document is not null => [context.Document],
        FixAllScope.Project => context.Project.Documents,
        FixAllScope.Solution => context.Solution.Projects.SelectMany(p => p.Documents),
        _ => [],
    };
}
