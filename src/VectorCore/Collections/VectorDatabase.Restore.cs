using VectorEngine.Collections;
using VectorEngine.Storage;

namespace VectorEngine;

/// <summary>Restoring snapshots.</summary>
public sealed partial class VectorDatabase
{
    /// <summary>
    /// Restores a snapshot archive (from <see cref="Collection.CreateSnapshot"/>) as a new collection, in this or any
    /// other database. The archive is treated as untrusted: only a snapshot's own files are taken (bounded in count and
    /// size), indexes are rebuilt from its vectors, and every file and folder is durable before the collection takes
    /// its name. Other collections are served meanwhile.
    /// </summary>
    /// <param name="archivePath">The archive.</param>
    /// <param name="name">The new collection's name; null keeps the snapshot's.</param>
    /// <exception cref="CollectionAlreadyExistsException">The name is taken.</exception>
    /// <exception cref="DataCorruptionException">The file is not a readable snapshot.</exception>
    public Collection RestoreSnapshot(string archivePath, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        if (!_fs.FileExists(archivePath))
        {
            throw new VectorEngineArgumentException($"Snapshot file '{System.IO.Path.GetFileName(archivePath)}' does not exist.", nameof(archivePath));
        }

        if (name is not null)
        {
            CollectionOptions.ValidateName(name);
        }

        lock (_gate)
        {
            ThrowIfDisposed();
        }

        // A name given up front is claimed before the (possibly long) extraction, so a concurrent create of it fails
        // at once; a snapshot's own name is claimed once its config has been read.
        string? reserved = null;
        if (name is not null)
        {
            Reserve(name);
            reserved = name;
        }

        string staging;
        try
        {
            staging = NewStagingPath();
        }
        catch
        {
            if (reserved is not null)
            {
                Release(reserved);
            }

            throw;
        }

        try
        {
            SnapshotArchive.Extract(_fs, archivePath, staging);
            Collection.ValidateSnapshot(_fs, staging, archivePath);
            CollectionConfigFile config = CollectionConfigFile.Load(_fs, staging);
            config.Name = name ?? config.Name;
            CollectionOptions.ValidateName(config.Name);
            config.ToOptions().Validate(Options.Indexes);
            if (reserved is null)
            {
                Reserve(config.Name);
                reserved = config.Name;
            }
            config.Save(_fs, staging);
            _fs.DeleteFile(System.IO.Path.Combine(staging, Collection.SnapshotMarkerFile));

            // Open once from staging: a bad archive fails here (vectors checked against their checksums and for
            // finite values), before it takes the name, and the indexes are built and saved (durably) before the rename.
            Collection.Open(staging, WithoutOptimizer(), verifyVectors: true).Dispose();
            string directory = CollectionPath(config.Name);
            MoveIntoPlace(staging, directory);
            Collection collection = Collection.Open(directory, Options);
            Publish(config.Name, collection);
            return collection;
        }
        catch
        {
            TryDeleteDirectory(staging);
            throw;
        }
        finally
        {
            if (reserved is not null)
            {
                Release(reserved);
            }
        }
    }
}
