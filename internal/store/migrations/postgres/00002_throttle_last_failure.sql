-- Failed sign-ins now count until a quiet period as long as the window has
-- passed since the last attempt (not the first), so spreading guesses across
-- a window boundary no longer resets the count. The column says so.

-- +goose Up
ALTER TABLE login_throttle RENAME COLUMN window_start TO last_attempt_at;

-- +goose Down
ALTER TABLE login_throttle RENAME COLUMN last_attempt_at TO window_start;
