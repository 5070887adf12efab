//! Files only this user may read, as the file stores keep them
//! (connections, `auth::FileStore`; events, `events::FileEvents`):
//! directories 0700, files 0600, a file replaced whole through a fsynced
//! temporary file and a rename (a process killed mid-write leaves the
//! previous one), and OS file locks (freed by the kernel when a process
//! dies).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` and its parents, mode 0700.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens `path` as `options` say; a file it creates has mode 0600.
pub fn open(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Opens the lock file `path`, made when missing.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    open(
        path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
}

/// Blocks until this caller holds the exclusive lock of the lock file
/// `path` (made when missing), and returns it: dropping it unlocks.
pub fn lock(path: &Path) -> io::Result<File> {
    let file = open_lock_file(path)?;
    file.lock()?;
    Ok(file)
}

/// Replaces `path` with what `write` writes: into `NAME.PID.NANOS.tmp`
/// beside it (removed on failure), fsynced, renamed over `path`, and the
/// directory fsynced so the rename lasts too.
pub fn replace(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!("{name}.{}.{nanos}.tmp", std::process::id()));
    let written = (|| {
        let mut file = open(&temp, OpenOptions::new().write(true).create_new(true))?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        if let Some(dir) = path.parent()
            && let Ok(dir) = File::open(dir)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
