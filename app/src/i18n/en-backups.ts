// The English texts of the workspace's Backups tab (components/backups/): kept out of en.ts, which
// every page ships, and added to the English dictionary when the tab's chunk loads
// (backups-panel.tsx). German has them in de.ts's backups block.
export const enBackups = {
  // ---- backups ----
  "backups.title": "Backups",
  "backups.lead":
    "Restore points of {name}'s whole state: its memory, its files, its settings and its browser's logins. One is taken every 15 minutes while {name} works, and before every restore.",
  "backups.empty":
    "No backups yet: the first is taken within 15 minutes of {name} starting. You can also take one now.",
  "backups.readOnly": "Admins and the owner take backups and restore them.",
  "backups.now": "Back up now",
  "backups.now.started": "A backup of {name} is being taken.",
  "backups.now.why.status": "Backups can be taken while {name} is working or stopped.",
  "backups.now.why.pending": "A backup is being taken right now.",
  "backups.restoring":
    "{name} is being restored. It works again as soon as it is back; you can leave this page.",
  "backups.older": "Show older backups",
  "backups.reason.scheduled": "Scheduled",
  "backups.reason.manual": "Taken by hand",
  "backups.reason.pre_restore": "Before a restore",
  "backups.reason.pre_op": "Before an upgrade",
  "backups.reason.final": "Before a move to another server",
  "backups.status.pending": "In progress",
  "backups.status.complete": "Complete",
  "backups.status.failed": "Failed",
  "backups.failed": "This backup failed; the ones before it are not affected.",
  "backups.phase.archiving": "Packing up its state",
  "backups.phase.uploading": "Uploading",
  "backups.phase.downloading": "Downloading",
  "backups.phase.swapping": "Putting it in place",
  "backups.phase.starting": "Starting",
  "backups.progress": "{phase}: {done} of {total}",
  "backups.progressOpen": "{phase}: {done} so far",
  "backups.restore": "Restore",
  "backups.restore.label": "Restore the backup of {time}",
  "backups.restore.title": "Restore {name} to {time}?",
  "backups.restore.lost":
    "Everything {name} learned and did since then ({ago}) is undone: its memory, its files and its browser's logins go back to how they were at {time}.",
  "backups.restore.undo":
    "A backup of {name} as it is now is taken first, so you can go back to it if you change your mind.",
  "backups.restore.restart": "{name} restarts and cannot work for a few minutes.",
  "backups.restore.why":
    "A backup can be restored while {name} is working, stopped or needs attention.",
  "backups.error.invalid_state":
    "{name} is in the middle of something else. Try again once it is working or stopped.",
  "backups.error.snapshot_corrupt":
    "This backup is damaged (its contents do not match their checksum) and cannot be restored. Choose another one.",
  "backups.error.not_found": "This backup is no longer kept. The list has been refreshed.",
  "backups.error.busy": "A backup of {name} is already being taken.",
  "backups.error.unchanged": "Nothing changed since the last backup: it is still the newest.",
} as const;
