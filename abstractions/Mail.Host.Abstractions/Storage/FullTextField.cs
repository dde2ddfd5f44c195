namespace Mail.Host.Storage;

/// <summary>
/// One named text field of a document. The engine uses the names in <see cref="FullTextFieldNames"/>; stores treat
/// names as opaque.
/// </summary>
/// <param name="Name">The field name.</param>
/// <param name="Text">The text.</param>
public readonly record struct FullTextField(string Name, string Text);
