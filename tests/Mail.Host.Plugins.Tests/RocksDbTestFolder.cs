using Mail.Host.Plugins.RocksDb;

namespace Mail.Host.Plugins.Tests;

/// <summary>A scratch folder with contexts for a <c>rocksdb</c> store named <c>main</c> at <c>data/rocksdb</c>.</summary>
internal sealed class RocksDbTestFolder() : StoreTestFolder(new RocksDbStoreProvider(), "data/rocksdb");
