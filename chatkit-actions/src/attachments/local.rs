//! [`LocalDisk`]: blobs as files in a directory.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;

use super::blobs::{BlobError, BlobStream, BlobWriter, Blobs};

/// The directory of unfinished writes, inside the root; never listed.
const TEMP_DIR: &str = ".partial";

/// [`Blobs`] as files under a directory: the key `atc_1/data` is the file `atc_1/data`.
///
/// A write goes to a temporary file in the root's `.partial` directory (same file system),
/// renamed into place when complete; a write that is dropped or aborted deletes its temporary
/// file, so a cut upload leaves nothing at its key. Several processes may share the
/// directory: [`put_new`](Blobs::put_new) creates its file exclusively.
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// Files under `root`, created if missing.
    ///
    /// # Errors
    ///
    /// The directory cannot be created.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        std::fs::create_dir_all(root.join(TEMP_DIR)).map_err(BlobError::new)?;
        Ok(LocalDisk { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let valid = !key.is_empty()
            && key.split('/').all(|segment| {
                !segment.is_empty() && segment != "." && segment != ".." && !segment.contains('\\')
            })
            && !key.starts_with(TEMP_DIR);
        if !valid {
            return Err(BlobError::new(format!("invalid blob key `{key}`")));
        }
        Ok(self.root.join(key))
    }

    async fn temp_file(&self) -> Result<(tokio::fs::File, tempfile::TempPath), BlobError> {
        let dir = self.root.join(TEMP_DIR);
        let named = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            tempfile::NamedTempFile::new_in(&dir)
        })
        .await
        .map_err(BlobError::new)?
        .map_err(BlobError::new)?;
        let (file, path) = named.into_parts();
        Ok((tokio::fs::File::from_std(file), path))
    }
}

/// Renames a finished temporary file to `dest`, creating its directory.
async fn persist(temp: tempfile::TempPath, dest: PathBuf) -> Result<(), BlobError> {
    tokio::task::spawn_blocking(move || {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        temp.persist(&dest).map_err(|error| error.error)
    })
    .await
    .map_err(BlobError::new)?
    .map_err(BlobError::new)
}

struct LocalWriter {
    file: tokio::fs::File,
    temp: tempfile::TempPath,
    dest: PathBuf,
}

#[async_trait::async_trait]
impl BlobWriter for LocalWriter {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        self.file.write_all(&chunk).await.map_err(BlobError::new)
    }

    async fn finish(self: Box<Self>) -> Result<(), BlobError> {
        let LocalWriter {
            mut file,
            temp,
            dest,
        } = *self;
        file.flush().await.map_err(BlobError::new)?;
        file.sync_all().await.map_err(BlobError::new)?;
        drop(file);
        persist(temp, dest).await
    }

    async fn abort(self: Box<Self>) -> Result<(), BlobError> {
        let LocalWriter { file, temp, .. } = *self;
        drop(file);
        tokio::task::spawn_blocking(move || temp.close())
            .await
            .map_err(BlobError::new)?
            .map_err(BlobError::new)
    }
}

#[async_trait::async_trait]
impl Blobs for LocalDisk {
    async fn writer(&self, key: &str) -> Result<Box<dyn BlobWriter>, BlobError> {
        let dest = self.path(key)?;
        let (file, temp) = self.temp_file().await?;
        Ok(Box::new(LocalWriter { file, temp, dest }))
    }

    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        let mut writer = self.writer(key).await?;
        writer.write(bytes).await?;
        writer.finish().await
    }

    async fn put_new(&self, key: &str, bytes: Bytes) -> Result<bool, BlobError> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(BlobError::new)?;
        }
        let mut file = match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
        {
            Ok(file) => file,
            Err(error) if error.kind() == ErrorKind::AlreadyExists => return Ok(false),
            Err(error) => return Err(BlobError::new(error)),
        };
        file.write_all(&bytes).await.map_err(BlobError::new)?;
        file.flush().await.map_err(BlobError::new)?;
        Ok(true)
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes.into())),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(BlobError::new(error)),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<(u64, BlobStream)>, BlobError> {
        let file = match tokio::fs::File::open(self.path(key)?).await {
            Ok(file) => file,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(BlobError::new(error)),
        };
        let size = file.metadata().await.map_err(BlobError::new)?.len();
        let stream = tokio_util::io::ReaderStream::new(file)
            .map_err(BlobError::new)
            .boxed();
        Ok(Some((size, stream)))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => return Err(BlobError::new(error)),
        }
        // The attachment's directory goes with its last file; it is kept while not empty.
        if let Some(parent) = path.parent().filter(|parent| *parent != self.root) {
            let _ = tokio::fs::remove_dir(parent).await;
        }
        Ok(())
    }

    async fn list_top(&self) -> Result<Vec<String>, BlobError> {
        let mut entries = tokio::fs::read_dir(&self.root)
            .await
            .map_err(BlobError::new)?;
        let mut names = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(BlobError::new)? {
            if let Some(name) = entry.file_name().to_str()
                && !name.starts_with('.')
            {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dropped_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::new(dir.path()).unwrap();
        let mut writer = disk.writer("atc_1/data").await.unwrap();
        writer.write(Bytes::from_static(b"half")).await.unwrap();
        drop(writer);
        assert!(disk.get("atc_1/data").await.unwrap().is_none());
        let partial = std::fs::read_dir(dir.path().join(TEMP_DIR))
            .unwrap()
            .count();
        assert_eq!(partial, 0, "the temporary file is removed");

        let mut writer = disk.writer("atc_1/data").await.unwrap();
        writer.write(Bytes::from_static(b"whole")).await.unwrap();
        writer.finish().await.unwrap();
        assert_eq!(disk.get("atc_1/data").await.unwrap().unwrap(), "whole");
        assert_eq!(disk.list_top().await.unwrap(), ["atc_1"]);
    }

    #[tokio::test]
    async fn put_new_is_exclusive_and_keys_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let disk = LocalDisk::new(dir.path()).unwrap();
        assert!(disk.put_new("a/claim", Bytes::new()).await.unwrap());
        assert!(!disk.put_new("a/claim", Bytes::new()).await.unwrap());
        for key in ["../x", "a/../../x", "", "a//b", ".partial/x"] {
            assert!(disk.get(key).await.is_err(), "{key}");
        }
        disk.delete("a/claim").await.unwrap();
        disk.delete("a/claim").await.unwrap();
        assert!(disk.list_top().await.unwrap().is_empty());
    }
}
