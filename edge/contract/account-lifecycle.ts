// An account's end: the owner asks to delete it, and it is deleted this many days later unless
// the owner cancels (POST /api/account/restore). Meanwhile every employee is held stopped with
// this reason, which the app shows as the employee's status reason.
export const ACCOUNT_DELETION_GRACE_DAYS = 7;
export const ACCOUNT_DELETION_HOLD_REASON = "The account is scheduled for deletion.";

// An export (POST /api/account/export) can be downloaded for this many days; then it is deleted.
export const ACCOUNT_EXPORT_KEEP_DAYS = 7;
