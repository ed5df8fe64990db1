-- tokctl schema version 5: tokens are stored under sequential keys; the public
-- id is a fixed scramble of the key (see model::TokenId). Rows of an older
-- store move to the key of their existing public id, so every token keeps its
-- id and its secret keeps working.
PRAGMA defer_foreign_keys = ON;
UPDATE retired_secrets SET token_id = tokctl_token_key(token_id);
UPDATE tokens SET id = tokctl_token_key(id);
INSERT INTO meta (key, value) VALUES ('next_token_key', '1');
