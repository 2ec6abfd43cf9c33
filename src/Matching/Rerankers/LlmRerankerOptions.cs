namespace VectorEngine.Matching;

/// <summary>How an <see cref="LlmReranker"/> asks its model.</summary>
public sealed class LlmRerankerOptions
{
    /// <summary>The payload field shown to the model for each candidate. Default "text".</summary>
    public string TextField { get; set; } = "text";

    /// <summary>Each candidate's text is cut to this many characters (the prompt's size is the call's cost). Default 600.</summary>
    public int MaxCharsPerCandidate { get; set; } = 600;

    /// <summary>The query text is cut to this many characters. Default 2,000.</summary>
    public int MaxQueryChars { get; set; } = 2_000;

    /// <summary>What makes a good match, told to the model before the candidates.</summary>
    public string Instructions { get; set; } =
        "You rank candidates for a query by how well each one fits it (skills, role, seniority, location and any constraint the query states).";

    /// <summary>The model to ask, when the chat client serves several (null: the client's default).</summary>
    public string? ModelId { get; set; }
}
