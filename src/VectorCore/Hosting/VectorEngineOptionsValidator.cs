using Microsoft.Extensions.Options;

namespace VectorEngine;

/// <summary>Checks <see cref="VectorEngineOptions"/> when the host starts (<c>ValidateOnStart</c>), so a bad setting stops the app before it serves.</summary>
internal sealed class VectorEngineOptionsValidator : IValidateOptions<VectorEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, VectorEngineOptions options)
    {
        IReadOnlyList<string> problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
