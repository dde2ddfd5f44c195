namespace Mail.Host.Storage;

/// <summary>A full-text filter tree: text matches combined with and, or and not.</summary>
public abstract record FullTextFilter
{
    private protected FullTextFilter()
    {
    }

    /// <summary>Every word of <paramref name="text"/> in <paramref name="field"/> (or in any field).</summary>
    /// <param name="field">A field name, or <see langword="null"/> for any field.</param>
    /// <param name="text">The words.</param>
    /// <returns>The filter.</returns>
    public static FullTextFilter Words(string? field, string text) => new Match(field, text, TextMatchKind.Words);

    /// <summary>The words of <paramref name="text"/> one after the other in <paramref name="field"/> (or in any field).</summary>
    /// <param name="field">A field name, or <see langword="null"/> for any field.</param>
    /// <param name="text">The phrase.</param>
    /// <returns>The filter.</returns>
    public static FullTextFilter Phrase(string? field, string text) => new Match(field, text, TextMatchKind.Phrase);

    /// <summary>A word starting with <paramref name="text"/> in <paramref name="field"/> (or in any field).</summary>
    /// <param name="field">A field name, or <see langword="null"/> for any field.</param>
    /// <param name="text">The prefix.</param>
    /// <returns>The filter.</returns>
    public static FullTextFilter Prefix(string? field, string text) => new Match(field, text, TextMatchKind.Prefix);

    /// <summary>Documents that match every operand.</summary>
    /// <param name="operands">The operands.</param>
    /// <returns>The filter.</returns>
    public static FullTextFilter AllOf(params FullTextFilter[] operands) => new And(operands);

    /// <summary>Documents that match any operand.</summary>
    /// <param name="operands">The operands.</param>
    /// <returns>The filter.</returns>
    public static FullTextFilter AnyOf(params FullTextFilter[] operands) => new Or(operands);

    /// <summary>The account's documents that do not match the operand.</summary>
    /// <param name="operand">The operand.</param>
    /// <returns>The filter.</returns>
    public static FullTextFilter NoneOf(FullTextFilter operand) => new Not(operand);

    /// <summary>A text match on one field or on any field.</summary>
    /// <param name="Field">A field name, or <see langword="null"/> for any field.</param>
    /// <param name="Text">The text to find.</param>
    /// <param name="Kind">How the text is compared.</param>
    public sealed record Match(string? Field, string Text, TextMatchKind Kind) : FullTextFilter;

    /// <summary>Documents matching every operand; with no operands, every document.</summary>
    /// <param name="Operands">The operands.</param>
    public sealed record And(IReadOnlyList<FullTextFilter> Operands) : FullTextFilter;

    /// <summary>Documents matching any operand; with no operands, none.</summary>
    /// <param name="Operands">The operands.</param>
    public sealed record Or(IReadOnlyList<FullTextFilter> Operands) : FullTextFilter;

    /// <summary>The account's documents not matching the operand.</summary>
    /// <param name="Operand">The operand.</param>
    public sealed record Not(FullTextFilter Operand) : FullTextFilter;
}
