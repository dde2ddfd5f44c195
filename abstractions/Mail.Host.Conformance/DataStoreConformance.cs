using System.Buffers.Binary;
using Mail.Host.Storage;
using Xunit;

namespace Mail.Host.Conformance;

/// <summary>
/// The conformance tests every <see cref="IDataStore"/> must pass. Inherit this class in a test project and
/// implement <see cref="OpenStoreAsync"/>; each test gets a store of its own. The tests write at most
/// <see cref="IDataStore.MaxValueSize"/> bytes in one value, so a store should report its real limit rather than
/// an arbitrarily large one.
/// </summary>
public abstract class DataStoreConformance : IAsyncLifetime
{
    private IStoreInstance? instance;
    private IDataStore? store;

    /// <summary>The store under test, opened before each test.</summary>
    protected IDataStore Store => store ?? throw new InvalidOperationException("The store is opened in InitializeAsync.");

    /// <summary>
    /// Opens a new, empty store instance that serves the data role. Each call must return a store that shares no
    /// data with any other (for a server, a new database or schema); the instance is disposed after the test.
    /// </summary>
    /// <returns>The open instance.</returns>
    protected abstract ValueTask<IStoreInstance> OpenStoreAsync();

    /// <summary>Opens the store for one test.</summary>
    /// <returns>A task that completes when the store is open.</returns>
    public virtual async Task InitializeAsync()
    {
        instance = await OpenStoreAsync();
        store = instance.Data ?? throw new InvalidOperationException("The instance returned by OpenStoreAsync does not serve the data role.");
    }

    /// <summary>Disposes the store opened for the test.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public virtual async Task DisposeAsync()
    {
        if (instance is not null)
        {
            await instance.DisposeAsync();
            instance = null;
            store = null;
        }
    }

    /// <summary>Reading a key that was never written returns <see langword="null"/>.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Reading_an_absent_key_returns_null()
    {
        Assert.Null(await Store.GetAsync("kit", Bytes(1, 2, 3)));
    }

    /// <summary>A committed value is read back byte for byte.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_committed_value_is_read_back()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(10, 20, 30)));

        Assert.Equal(Bytes(10, 20, 30), await Store.GetAsync("kit", Bytes(1)));
    }

    /// <summary>Deleting a key makes it absent; deleting an absent key commits without error.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Delete_removes_the_key_and_deleting_an_absent_key_is_not_an_error()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(10)).Set("kit", Bytes(2), Bytes(20)));

        await CommitAsync(new WriteBatch().Delete("kit", Bytes(1)).Delete("kit", Bytes(9)));

        Assert.Null(await Store.GetAsync("kit", Bytes(1)));
        Assert.Equal(Bytes(20), await Store.GetAsync("kit", Bytes(2)));
        Assert.Equal([Bytes(2)], await KeysAsync("kit", KeyRange.All()));
    }

    /// <summary>Writing a key again replaces its value, including with a shorter one.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Writing_a_key_again_replaces_its_value()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(1, 2, 3, 4)));
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(9)));

        Assert.Equal(Bytes(9), await Store.GetAsync("kit", Bytes(1)));
        Assert.Single(await ScanAsync("kit", KeyRange.All()));
    }

    /// <summary>A zero-byte value is stored and read back as empty, not as absent, by reads and scans.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task An_empty_value_is_stored_and_is_not_the_same_as_absent()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), []));

        var value = await Store.GetAsync("kit", Bytes(1));
        Assert.NotNull(value);
        Assert.Empty(value);
        var entry = Assert.Single(await ScanAsync("kit", KeyRange.All()));
        Assert.Equal(Bytes(1), entry.Key);
        Assert.Empty(entry.Value);
    }

    /// <summary>Changing the arrays passed in or handed out does not change what is stored.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Stored_bytes_do_not_change_when_the_caller_changes_its_arrays()
    {
        var key = Bytes(1, 2);
        await CommitAsync(new WriteBatch().Set("kit", key, Bytes(5, 6)));

        var read = await Store.GetAsync("kit", key);
        Assert.NotNull(read);
        read[0] = 99;
        var scanned = Assert.Single(await ScanAsync("kit", KeyRange.All()));
        scanned.Key[0] = 99;
        scanned.Value[0] = 99;
        key[0] = 99;

        Assert.Equal(Bytes(5, 6), await Store.GetAsync("kit", Bytes(1, 2)));
        Assert.Equal([Bytes(1, 2)], await KeysAsync("kit", KeyRange.All()));
    }

    /// <summary>The limits are at least the minimums every store must accept.</summary>
    [Fact]
    public void The_limits_are_at_least_the_minimums()
    {
        Assert.InRange(Store.MaxKeySize, DataStoreLimits.MinimumMaxKeySize, int.MaxValue);
        Assert.InRange(Store.MaxValueSize, DataStoreLimits.MinimumMaxValueSize, int.MaxValue);
    }

    /// <summary>A key of exactly <see cref="IDataStore.MaxKeySize"/> bytes and a value of exactly <see cref="IDataStore.MaxValueSize"/> bytes round-trip byte-exact.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_key_and_a_value_of_the_largest_sizes_round_trip_byte_exact()
    {
        var key = RandomBytes(Store.MaxKeySize, 1);
        var value = RandomBytes(Store.MaxValueSize, 2);

        await CommitAsync(new WriteBatch().Set("kit", key, value));

        var read = await Store.GetAsync("kit", key);
        Assert.NotNull(read);
        Assert.True(value.AsSpan().SequenceEqual(read), "The value read back differs from the value written.");
        var entry = Assert.Single(await ScanAsync("kit", KeyRange.All()));
        Assert.True(key.AsSpan().SequenceEqual(entry.Key), "The key scanned differs from the key written.");
        Assert.Equal(value.Length, entry.Value.Length);
    }

    /// <summary>A batch with a value one byte over the limit throws <see cref="ArgumentException"/> and applies none of its operations.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_value_over_the_limit_is_rejected_and_nothing_in_its_batch_is_applied()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(3), Bytes(3)));
        var batch = new WriteBatch()
            .Set("kit", Bytes(1), Bytes(1))
            .Set("kit_other", Bytes(1), Bytes(1))
            .Delete("kit", Bytes(3))
            .Increment("kit", Bytes(4), 1)
            .Set("kit", Bytes(2), new byte[Store.MaxValueSize + 1]);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.CommitAsync(batch));

        Assert.Null(await Store.GetAsync("kit", Bytes(1)));
        Assert.Null(await Store.GetAsync("kit_other", Bytes(1)));
        Assert.Null(await Store.GetAsync("kit", Bytes(2)));
        Assert.Null(await Store.GetAsync("kit", Bytes(4)));
        Assert.Equal(Bytes(3), await Store.GetAsync("kit", Bytes(3)));
    }

    /// <summary>A batch with a key one byte over the limit throws <see cref="ArgumentException"/> and applies none of its operations.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_key_over_the_limit_is_rejected_and_nothing_in_its_batch_is_applied()
    {
        var batch = new WriteBatch()
            .Set("kit", Bytes(1), Bytes(1))
            .Set("kit", new byte[Store.MaxKeySize + 1], Bytes(2));

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.CommitAsync(batch));

        Assert.Null(await Store.GetAsync("kit", Bytes(1)));
        Assert.Empty(await ScanAsync("kit", KeyRange.All()));
    }

    /// <summary>Every method rejects a subspace name that breaks the <see cref="SubspaceName"/> rule with <see cref="ArgumentException"/>.</summary>
    /// <param name="subspace">A name that breaks the rule.</param>
    /// <returns>A task that completes when the test has run.</returns>
    [Theory]
    [InlineData("")]
    [InlineData("Kit")]
    [InlineData("1kit")]
    [InlineData("_kit")]
    [InlineData("kit-data")]
    [InlineData("kit data")]
    [InlineData("kit.data")]
    [InlineData("kït")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public async Task An_invalid_subspace_name_is_rejected(string subspace)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.GetAsync(subspace, Bytes(1)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.IncrementAsync(subspace, Bytes(1), 1));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
        {
            await foreach (var entry in Store.ScanAsync(subspace, KeyRange.All()))
            {
                Assert.Fail($"A scan of '{subspace}' returned an entry.");
            }
        });
        Assert.Null(await Store.GetAsync("kit", Bytes(1)));
    }

    /// <summary>The same key in two subspaces holds two independent values.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task The_same_key_in_two_subspaces_holds_two_values()
    {
        await CommitAsync(new WriteBatch().Set("kit_a", Bytes(1), Bytes(10)).Set("kit_b", Bytes(1), Bytes(20)));
        Assert.Equal(Bytes(10), await Store.GetAsync("kit_a", Bytes(1)));
        Assert.Equal(Bytes(20), await Store.GetAsync("kit_b", Bytes(1)));

        await CommitAsync(new WriteBatch().Delete("kit_a", Bytes(1)));
        Assert.Null(await Store.GetAsync("kit_a", Bytes(1)));
        Assert.Equal(Bytes(20), await Store.GetAsync("kit_b", Bytes(1)));

        Assert.Equal(5, await Store.IncrementAsync("kit_a", Bytes(2), 5));
        Assert.Equal(7, await Store.IncrementAsync("kit_b", Bytes(2), 7));
        Assert.Equal(Counter.Encode(5), await Store.GetAsync("kit_a", Bytes(2)));
    }

    /// <summary>
    /// Scans never cross into another subspace, even when one name is a prefix of the other and the keys are the
    /// smallest and largest bytes, or would collide if the name were simply put in front of the key.
    /// </summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_scan_never_returns_the_keys_of_another_subspace()
    {
        // "a" + 0x62 0x01 and "ab" + 0x01 are the same bytes when the subspace is a plain key prefix.
        await CommitAsync(new WriteBatch()
            .Set("a", Bytes(0x00), Bytes(1))
            .Set("a", Bytes(0x62, 0x01), Bytes(2))
            .Set("a", Bytes(0xFF, 0xFF), Bytes(3))
            .Set("ab", Bytes(0x00), Bytes(4))
            .Set("ab", Bytes(0x01), Bytes(5))
            .Set("ab", Bytes(0xFF, 0xFF), Bytes(6))
            .Set("b", Bytes(0x00), Bytes(7))
            .Set("aa", Bytes(0xFF, 0xFF), Bytes(8)));

        Assert.Equal([Bytes(0x00), Bytes(0x62, 0x01), Bytes(0xFF, 0xFF)], await KeysAsync("a", KeyRange.All()));
        Assert.Equal([Bytes(0xFF, 0xFF), Bytes(0x62, 0x01), Bytes(0x00)], await KeysAsync("a", KeyRange.All(reverse: true)));
        Assert.Equal([Bytes(1), Bytes(2), Bytes(3)], await ValuesAsync("a", KeyRange.All()));
        Assert.Equal([Bytes(0x00), Bytes(0x01), Bytes(0xFF, 0xFF)], await KeysAsync("ab", KeyRange.All()));
        Assert.Equal([Bytes(0xFF, 0xFF), Bytes(0x01), Bytes(0x00)], await KeysAsync("ab", KeyRange.All(reverse: true)));
        Assert.Equal([Bytes(4), Bytes(5), Bytes(6)], await ValuesAsync("ab", KeyRange.All()));
        Assert.Equal([Bytes(0xFF, 0xFF)], await KeysAsync("a", KeyRange.Prefix(Bytes(0xFF))));
        Assert.Equal([Bytes(0xFF, 0xFF)], await KeysAsync("a", KeyRange.Prefix(Bytes(0xFF), reverse: true)));
        Assert.Equal([Bytes(0x00)], await KeysAsync("ab", KeyRange.Prefix(Bytes(0x00))));
        Assert.Equal([Bytes(0x00)], await KeysAsync("ab", new KeyRange([], Bytes(0x01), reverse: true)));
        Assert.Equal([Bytes(0x62, 0x01)], await KeysAsync("a", KeyRange.Prefix(Bytes(0x62))));
        Assert.Equal(Bytes(2), await Store.GetAsync("a", Bytes(0x62, 0x01)));
        Assert.Equal(Bytes(5), await Store.GetAsync("ab", Bytes(0x01)));
        Assert.Null(await Store.GetAsync("ab", Bytes(0x62, 0x01)));
        Assert.Null(await Store.GetAsync("a", Bytes(0x01)));
        Assert.Empty(await ScanAsync("kit_empty", KeyRange.All()));
        Assert.Empty(await ScanAsync("kit_empty", KeyRange.All(reverse: true)));
    }

    /// <summary>A forward scan returns every key in ascending unsigned byte order, with its value.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_forward_scan_returns_keys_in_unsigned_byte_order()
    {
        await WriteOrderedKeysAsync();

        var entries = await ScanAsync("kit", KeyRange.All());

        Assert.Equal(OrderedKeys, entries.Select(entry => entry.Key));
        Assert.All(entries, entry => Assert.Equal(ValueFor(entry.Key), entry.Value));
    }

    /// <summary>A reverse scan returns every key in descending unsigned byte order, with its value.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_reverse_scan_returns_keys_in_descending_unsigned_byte_order()
    {
        await WriteOrderedKeysAsync();

        var entries = await ScanAsync("kit", KeyRange.All(reverse: true));

        Assert.Equal(Enumerable.Reverse(OrderedKeys), entries.Select(entry => entry.Key));
        Assert.All(entries, entry => Assert.Equal(ValueFor(entry.Key), entry.Value));
    }

    /// <summary>Big-endian integers sort numerically, in both directions.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Big_endian_integers_sort_numerically()
    {
        ulong[] numbers = [0, 1, 127, 128, 255, 256, 32_767, 32_768, 65_535, 65_536, 1UL << 31, 1UL << 32, long.MaxValue, 1UL << 63, ulong.MaxValue];
        var batch = new WriteBatch();
        foreach (var number in Enumerable.Reverse(numbers))
        {
            batch.Set("kit", BigEndian(number), Bytes(1));
        }

        await CommitAsync(batch);

        Assert.Equal(numbers, (await KeysAsync("kit", KeyRange.All())).Select(key => BinaryPrimitives.ReadUInt64BigEndian(key)));
        Assert.Equal(Enumerable.Reverse(numbers), (await KeysAsync("kit", KeyRange.All(reverse: true))).Select(key => BinaryPrimitives.ReadUInt64BigEndian(key)));
    }

    /// <summary>A range includes its start key and excludes its end key, in both directions.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_range_includes_its_start_and_excludes_its_end()
    {
        await WriteOrderedKeysAsync();

        Assert.Equal([Bytes(0x01), Bytes(0x01, 0x00), Bytes(0x01, 0xFF), Bytes(0x7F)], await KeysAsync("kit", new KeyRange(Bytes(0x01), Bytes(0x80))));
        Assert.Equal([Bytes(0x7F), Bytes(0x01, 0xFF), Bytes(0x01, 0x00), Bytes(0x01)], await KeysAsync("kit", new KeyRange(Bytes(0x01), Bytes(0x80), reverse: true)));
        Assert.Equal([Bytes(0x80), Bytes(0x80, 0x00), Bytes(0xFE)], await KeysAsync("kit", new KeyRange(Bytes(0x7F, 0x00), Bytes(0xFF))));
        Assert.Equal([Bytes(0xFF), Bytes(0xFF, 0xFF)], await KeysAsync("kit", new KeyRange(Bytes(0xFF), null)));
        Assert.Equal([Bytes(0xFF, 0xFF), Bytes(0xFF)], await KeysAsync("kit", new KeyRange(Bytes(0xFF), null, reverse: true)));
        Assert.Equal([Bytes(0x00)], await KeysAsync("kit", new KeyRange([], Bytes(0x01))));
        Assert.Equal([Bytes(0x00)], await KeysAsync("kit", new KeyRange([], Bytes(0x01), reverse: true)));
    }

    /// <summary>The limit caps the entries returned, taken from the start of the range in the scan's direction.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task The_limit_caps_the_entries_from_the_start_of_the_scan()
    {
        await WriteOrderedKeysAsync();

        Assert.Equal(OrderedKeys.Take(3), await KeysAsync("kit", KeyRange.All(limit: 3)));
        Assert.Equal(Enumerable.Reverse(OrderedKeys).Take(3), await KeysAsync("kit", KeyRange.All(reverse: true, limit: 3)));
        Assert.Equal([Bytes(0x80), Bytes(0x80, 0x00)], await KeysAsync("kit", new KeyRange(Bytes(0x80), null, limit: 2)));
        Assert.Equal([Bytes(0x7F), Bytes(0x01, 0xFF)], await KeysAsync("kit", new KeyRange([], Bytes(0x80), reverse: true, limit: 2)));
        Assert.Equal([Bytes(0x00)], await KeysAsync("kit", KeyRange.All(limit: 1)));
        Assert.Equal([Bytes(0xFF, 0xFF)], await KeysAsync("kit", KeyRange.All(reverse: true, limit: 1)));
        Assert.Equal(OrderedKeys, await KeysAsync("kit", KeyRange.All(limit: OrderedKeys.Length + 5)));
        Assert.Empty(await ScanAsync("kit", KeyRange.All(limit: 0)));
    }

    /// <summary>A prefix range returns exactly the keys with that prefix, including prefixes ending in 0xFF.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_prefix_range_returns_exactly_the_keys_with_that_prefix()
    {
        await WriteOrderedKeysAsync();
        await CommitAsync(new WriteBatch()
            .Set("kit", Bytes(0x01, 0xFF, 0x00), Bytes(1))
            .Set("kit", Bytes(0x01, 0xFF, 0xFF), Bytes(1))
            .Set("kit", Bytes(0x02), Bytes(1)));

        Assert.Equal([Bytes(0x01), Bytes(0x01, 0x00), Bytes(0x01, 0xFF), Bytes(0x01, 0xFF, 0x00), Bytes(0x01, 0xFF, 0xFF)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0x01))));
        Assert.Equal([Bytes(0x01, 0xFF), Bytes(0x01, 0xFF, 0x00), Bytes(0x01, 0xFF, 0xFF)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0x01, 0xFF))));
        Assert.Equal([Bytes(0x01, 0xFF, 0xFF), Bytes(0x01, 0xFF, 0x00), Bytes(0x01, 0xFF)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0x01, 0xFF), reverse: true)));
        Assert.Equal([Bytes(0xFF), Bytes(0xFF, 0xFF)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0xFF))));
        Assert.Equal([Bytes(0xFF, 0xFF), Bytes(0xFF)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0xFF), reverse: true)));
        Assert.Equal([Bytes(0x80), Bytes(0x80, 0x00)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0x80))));
        Assert.Equal([Bytes(0x01, 0xFF, 0xFF)], await KeysAsync("kit", KeyRange.Prefix(Bytes(0x01, 0xFF), reverse: true, limit: 1)));
        Assert.Empty(await ScanAsync("kit", KeyRange.Prefix(Bytes(0x03))));
        Assert.Equal(OrderedKeys.Length + 3, (await ScanAsync("kit", KeyRange.Prefix([]))).Count);
    }

    /// <summary>A range whose start is not before its end returns nothing, in both directions.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task An_empty_range_returns_nothing()
    {
        await WriteOrderedKeysAsync();

        Assert.Empty(await ScanAsync("kit", new KeyRange(Bytes(0x7F), Bytes(0x7F))));
        Assert.Empty(await ScanAsync("kit", new KeyRange(Bytes(0x7F), Bytes(0x7F), reverse: true)));
        Assert.Empty(await ScanAsync("kit", new KeyRange(Bytes(0x80), Bytes(0x7F))));
        Assert.Empty(await ScanAsync("kit", new KeyRange(Bytes(0x80), Bytes(0x7F), reverse: true)));
        Assert.Empty(await ScanAsync("kit", new KeyRange(Bytes(0x01, 0x00, 0x00), Bytes(0x01, 0x01))));
        Assert.Empty(await ScanAsync("kit", new KeyRange([], [])));
    }

    /// <summary>Paging through a subspace, each page starting just after the previous page's last key, visits every key once.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Paging_through_a_subspace_visits_every_key_once_in_both_directions()
    {
        var batch = new WriteBatch();
        for (var i = 0; i < 300; i++)
        {
            batch.Set("kit", BigEndian((ulong)(i * 7919 % 300)), Bytes((byte)i));
        }

        await CommitAsync(batch);

        var forward = new List<ulong>();
        byte[] start = [];
        while (true)
        {
            var page = await KeysAsync("kit", new KeyRange(start, null, limit: 64));
            forward.AddRange(page.Select(key => BinaryPrimitives.ReadUInt64BigEndian(key)));
            if (page.Count < 64)
            {
                break;
            }

            start = [.. page[^1], 0x00];
        }

        var backward = new List<ulong>();
        byte[]? end = null;
        while (true)
        {
            var page = await KeysAsync("kit", new KeyRange([], end, reverse: true, limit: 64));
            backward.AddRange(page.Select(key => BinaryPrimitives.ReadUInt64BigEndian(key)));
            if (page.Count < 64)
            {
                break;
            }

            end = page[^1];
        }

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (ulong)i), forward);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (ulong)(299 - i)), backward);
    }

    /// <summary>A batch that writes to several subspaces applies all of its operations.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_batch_applies_every_operation_across_subspaces()
    {
        await CommitAsync(new WriteBatch().Set("kit_c", Bytes(1), Bytes(1)));

        await CommitAsync(new WriteBatch()
            .Set("kit_a", Bytes(1), Bytes(10))
            .Set("kit_b", Bytes(2), Bytes(20))
            .Delete("kit_c", Bytes(1))
            .Increment("kit_d", Bytes(3), 4));

        Assert.Equal(Bytes(10), await Store.GetAsync("kit_a", Bytes(1)));
        Assert.Equal(Bytes(20), await Store.GetAsync("kit_b", Bytes(2)));
        Assert.Null(await Store.GetAsync("kit_c", Bytes(1)));
        Assert.Equal(Counter.Encode(4), await Store.GetAsync("kit_d", Bytes(3)));
    }

    /// <summary>An empty batch commits.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task An_empty_batch_commits()
    {
        Assert.Equal(CommitResult.Committed, await Store.CommitAsync(new WriteBatch()));
    }

    /// <summary>Assertions that hold let the batch commit.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Assertions_that_hold_let_the_batch_commit()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(10)).Set("kit", Bytes(3), []));

        var result = await Store.CommitAsync(new WriteBatch()
            .AssertValue("kit", Bytes(1), Bytes(10))
            .AssertValue("kit", Bytes(3), [])
            .AssertAbsent("kit", Bytes(2))
            .AssertAbsent("kit_other", Bytes(1))
            .Set("kit", Bytes(1), Bytes(11))
            .Set("kit", Bytes(2), Bytes(20)));

        Assert.Equal(CommitResult.Committed, result);
        Assert.Equal(Bytes(11), await Store.GetAsync("kit", Bytes(1)));
        Assert.Equal(Bytes(20), await Store.GetAsync("kit", Bytes(2)));
    }

    /// <summary>A value assertion fails, applying nothing, when the key holds another value, a longer or shorter one, or nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_value_assertion_that_fails_applies_nothing()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(10, 11)).Increment("kit", Bytes(9), 5));

        foreach (var (key, expected) in new (byte[], byte[])[] { (Bytes(1), Bytes(10, 12)), (Bytes(1), Bytes(10)), (Bytes(1), Bytes(10, 11, 0)), (Bytes(1), []), (Bytes(2), []), (Bytes(2), Bytes(10, 11)) })
        {
            var result = await Store.CommitAsync(new WriteBatch()
                .Set("kit", Bytes(1), Bytes(99))
                .Set("kit_other", Bytes(1), Bytes(99))
                .Increment("kit", Bytes(9), 1)
                .Delete("kit", Bytes(9))
                .AssertValue("kit", key, expected));

            Assert.Equal(CommitResult.AssertionFailed, result);
        }

        Assert.Equal(Bytes(10, 11), await Store.GetAsync("kit", Bytes(1)));
        Assert.Null(await Store.GetAsync("kit_other", Bytes(1)));
        Assert.Equal(Counter.Encode(5), await Store.GetAsync("kit", Bytes(9)));
    }

    /// <summary>An absence assertion fails, applying nothing, when the key holds a value, even an empty one.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task An_absence_assertion_that_fails_applies_nothing()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(10)).Set("kit", Bytes(2), []));

        foreach (var key in new[] { Bytes(1), Bytes(2) })
        {
            var result = await Store.CommitAsync(new WriteBatch()
                .Set("kit", Bytes(3), Bytes(30))
                .Delete("kit", Bytes(1))
                .AssertAbsent("kit", key));

            Assert.Equal(CommitResult.AssertionFailed, result);
        }

        Assert.Equal([Bytes(1), Bytes(2)], await KeysAsync("kit", KeyRange.All()));
        Assert.Equal(Bytes(10), await Store.GetAsync("kit", Bytes(1)));
    }

    /// <summary>One failing assertion among several that hold fails the whole batch.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task One_failing_assertion_among_several_fails_the_batch()
    {
        await CommitAsync(new WriteBatch().Set("kit_a", Bytes(1), Bytes(1)).Set("kit_b", Bytes(1), Bytes(2)));

        var result = await Store.CommitAsync(new WriteBatch()
            .AssertValue("kit_a", Bytes(1), Bytes(1))
            .AssertValue("kit_b", Bytes(1), Bytes(3))
            .AssertAbsent("kit_a", Bytes(2))
            .Set("kit_a", Bytes(1), Bytes(9))
            .Set("kit_b", Bytes(1), Bytes(9)));

        Assert.Equal(CommitResult.AssertionFailed, result);
        Assert.Equal(Bytes(1), await Store.GetAsync("kit_a", Bytes(1)));
        Assert.Equal(Bytes(2), await Store.GetAsync("kit_b", Bytes(1)));
    }

    /// <summary>Assertions are checked against the state before the batch, whatever their position in it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Assertions_see_the_state_before_the_batch()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(10)));

        Assert.Equal(CommitResult.Committed, await Store.CommitAsync(new WriteBatch()
            .Set("kit", Bytes(1), Bytes(11))
            .AssertValue("kit", Bytes(1), Bytes(10))
            .Set("kit", Bytes(2), Bytes(20))
            .AssertAbsent("kit", Bytes(2))));
        Assert.Equal(Bytes(11), await Store.GetAsync("kit", Bytes(1)));
        Assert.Equal(Bytes(20), await Store.GetAsync("kit", Bytes(2)));

        Assert.Equal(CommitResult.AssertionFailed, await Store.CommitAsync(new WriteBatch()
            .Set("kit", Bytes(3), Bytes(30))
            .AssertValue("kit", Bytes(3), Bytes(30))));
        Assert.Null(await Store.GetAsync("kit", Bytes(3)));
    }

    /// <summary>Operations apply in order, so the later of two operations on one key wins.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task The_later_operation_on_a_key_in_a_batch_wins()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(3), Bytes(3)));

        await CommitAsync(new WriteBatch()
            .Set("kit", Bytes(1), Bytes(1))
            .Set("kit", Bytes(1), Bytes(2))
            .Set("kit", Bytes(2), Bytes(2))
            .Delete("kit", Bytes(2))
            .Delete("kit", Bytes(3))
            .Set("kit", Bytes(3), Bytes(4))
            .Set("kit", Bytes(4), Counter.Encode(5))
            .Increment("kit", Bytes(4), 1)
            .Increment("kit", Bytes(5), 7)
            .Set("kit", Bytes(5), Bytes(8))
            .Increment("kit", Bytes(6), 2)
            .Delete("kit", Bytes(6))
            .Increment("kit", Bytes(6), 3));

        Assert.Equal(Bytes(2), await Store.GetAsync("kit", Bytes(1)));
        Assert.Null(await Store.GetAsync("kit", Bytes(2)));
        Assert.Equal(Bytes(4), await Store.GetAsync("kit", Bytes(3)));
        Assert.Equal(Counter.Encode(6), await Store.GetAsync("kit", Bytes(4)));
        Assert.Equal(Bytes(8), await Store.GetAsync("kit", Bytes(5)));
        Assert.Equal(Counter.Encode(3), await Store.GetAsync("kit", Bytes(6)));
    }

    /// <summary>A commit whose token is already cancelled throws <see cref="OperationCanceledException"/> and applies nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task A_commit_cancelled_before_it_starts_applies_nothing()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Store.CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(1)), cancellation.Token));

        Assert.Null(await Store.GetAsync("kit", Bytes(1)));
    }

    /// <summary>IncrementAsync counts from zero, accepts negative deltas, returns the new value and stores it in the <see cref="Counter"/> encoding.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task IncrementAsync_returns_the_new_value_and_stores_the_counter_encoding()
    {
        Assert.Equal(5, await Store.IncrementAsync("kit", Bytes(1), 5));
        Assert.Equal(-2, await Store.IncrementAsync("kit", Bytes(1), -7));
        Assert.Equal(-2, await Store.IncrementAsync("kit", Bytes(1), 0));
        Assert.Equal(Counter.Encode(-2), await Store.GetAsync("kit", Bytes(1)));

        await CommitAsync(new WriteBatch().Set("kit", Bytes(2), Counter.Encode(long.MaxValue - 1)));
        Assert.Equal(long.MaxValue, await Store.IncrementAsync("kit", Bytes(2), 1));
        Assert.Equal(Counter.Encode(long.MaxValue), await Store.GetAsync("kit", Bytes(2)));
        Assert.Equal(Counter.Encode(long.MaxValue), Assert.Single(await ScanAsync("kit", KeyRange.Prefix(Bytes(2)))).Value);
    }

    /// <summary>Increment operations in a batch add to the stored counter, in order, with negative deltas too.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Increment_operations_in_a_batch_add_to_the_counter()
    {
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Counter.Encode(10)));

        await CommitAsync(new WriteBatch()
            .Increment("kit", Bytes(1), 3)
            .Increment("kit", Bytes(1), 4)
            .Increment("kit", Bytes(2), -6)
            .Increment("kit", Bytes(2), 1));

        Assert.Equal(Counter.Encode(17), await Store.GetAsync("kit", Bytes(1)));
        Assert.Equal(Counter.Encode(-5), await Store.GetAsync("kit", Bytes(2)));
        Assert.Equal(16, await Store.IncrementAsync("kit", Bytes(1), -1));
    }

    /// <summary>
    /// Of many batches committed at once, each asserting the same current value and writing its own, exactly one
    /// commits, and its value is the one stored.
    /// </summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Of_many_concurrent_batches_asserting_the_same_value_exactly_one_commits()
    {
        const int Contenders = 16;
        await CommitAsync(new WriteBatch().Set("kit", Bytes(1), Bytes(0)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(1, Contenders).Select(id => Task.Run(async () =>
        {
            var batch = new WriteBatch()
                .AssertValue("kit", Bytes(1), Bytes(0))
                .Set("kit", Bytes(1), Bytes((byte)id))
                .Set("kit_log", Bytes((byte)id), Bytes((byte)id));
            await gate.Task;
            return (Id: id, Result: await Store.CommitAsync(batch));
        })).ToArray();
        gate.SetResult();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, attempt => attempt.Result == CommitResult.Committed);
        Assert.All(results.Where(attempt => attempt.Id != winner.Id), attempt => Assert.Equal(CommitResult.AssertionFailed, attempt.Result));
        Assert.Equal(Bytes((byte)winner.Id), await Store.GetAsync("kit", Bytes(1)));
        Assert.Equal([Bytes((byte)winner.Id)], await KeysAsync("kit_log", KeyRange.All()));
    }

    /// <summary>Concurrent compare-and-set loops lose no update.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Concurrent_compare_and_set_loops_lose_no_update()
    {
        const int Workers = 8;
        const int Increments = 50;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            for (var done = 0; done < Increments;)
            {
                var current = await Store.GetAsync("kit", Bytes(1));
                var batch = current is null ? new WriteBatch().AssertAbsent("kit", Bytes(1)) : new WriteBatch().AssertValue("kit", Bytes(1), current);
                batch.Set("kit", Bytes(1), BigEndian(current is null ? 1 : BinaryPrimitives.ReadUInt64BigEndian(current) + 1));
                if (await Store.CommitAsync(batch) == CommitResult.Committed)
                {
                    done++;
                }
            }
        })).ToArray();
        gate.SetResult();
        await Task.WhenAll(workers);

        var final = await Store.GetAsync("kit", Bytes(1));
        Assert.NotNull(final);
        Assert.Equal((ulong)(Workers * Increments), BinaryPrimitives.ReadUInt64BigEndian(final));
    }

    /// <summary>Parallel IncrementAsync calls lose no increment, and each returns a different value.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Parallel_IncrementAsync_calls_give_the_exact_total_and_distinct_results()
    {
        const int Workers = 8;
        const int Increments = 250;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            var seen = new List<long>(Increments);
            for (var i = 0; i < Increments; i++)
            {
                seen.Add(await Store.IncrementAsync("kit", Bytes(1), 1));
            }

            return seen;
        })).ToArray();
        gate.SetResult();
        var results = (await Task.WhenAll(workers)).SelectMany(seen => seen).Order().ToArray();

        Assert.Equal(Enumerable.Range(1, Workers * Increments).Select(i => (long)i), results);
        Assert.Equal(Counter.Encode(Workers * Increments), await Store.GetAsync("kit", Bytes(1)));
    }

    /// <summary>Parallel batches with increment operations lose no increment.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Parallel_increment_batches_give_the_exact_total()
    {
        const int Workers = 8;
        const int Batches = 100;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            for (var i = 0; i < Batches; i++)
            {
                await CommitAsync(new WriteBatch().Increment("kit", Bytes(1), 2).Increment("kit_other", Bytes(1), -1));
            }
        })).ToArray();
        gate.SetResult();
        await Task.WhenAll(workers);

        Assert.Equal(Counter.Encode(2 * Workers * Batches), await Store.GetAsync("kit", Bytes(1)));
        Assert.Equal(Counter.Encode(-Workers * Batches), await Store.GetAsync("kit_other", Bytes(1)));
    }

    // Keys in ascending unsigned order; several have bytes of 0x80 and above, which a signed comparison misplaces.
    private static readonly byte[][] OrderedKeys =
    [
        Bytes(0x00),
        Bytes(0x01),
        Bytes(0x01, 0x00),
        Bytes(0x01, 0xFF),
        Bytes(0x7F),
        Bytes(0x80),
        Bytes(0x80, 0x00),
        Bytes(0xFE),
        Bytes(0xFF),
        Bytes(0xFF, 0xFF),
    ];

    private static byte[] Bytes(params byte[] bytes) => bytes;

    private static byte[] BigEndian(ulong value)
    {
        var bytes = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
#pragma warning disable CA5394 // Reproducible test data, not security.
        new Random(seed).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }

    private static byte[] ValueFor(byte[] key) => [.. key, 0xAB];

    private async Task WriteOrderedKeysAsync()
    {
        var batch = new WriteBatch();

        // Written out of order so that insertion order cannot pass for key order.
        foreach (var index in new[] { 7, 2, 9, 0, 5, 3, 8, 1, 6, 4 })
        {
            batch.Set("kit", OrderedKeys[index], ValueFor(OrderedKeys[index]));
        }

        await CommitAsync(batch);
    }

    private async Task CommitAsync(WriteBatch batch)
        => Assert.Equal(CommitResult.Committed, await Store.CommitAsync(batch));

    private async Task<List<KeyValueEntry>> ScanAsync(string subspace, KeyRange range)
    {
        var entries = new List<KeyValueEntry>();
        await foreach (var entry in Store.ScanAsync(subspace, range))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private async Task<List<byte[]>> KeysAsync(string subspace, KeyRange range)
        => [.. (await ScanAsync(subspace, range)).Select(entry => entry.Key)];

    private async Task<List<byte[]>> ValuesAsync(string subspace, KeyRange range)
        => [.. (await ScanAsync(subspace, range)).Select(entry => entry.Value)];
}
