//! API-key records on Redis: a hash per key at `{prefix}:key:{{id}}` and a set of ids per
//! owner at `{prefix}:owner:{{owner}}`, so every instance sees a revocation at once (its
//! [`CachedKeyStore`](super::CachedKeyStore), if any, within its ttl). The braces are hash
//! tags: on a cluster, records spread over the slots by id and sets by owner, and every
//! command or script touches one key.

use redis::Value;

use super::{KeyRecord, KeyStore, decode, encode};
use crate::redis_store::push_tag;
use crate::{RedisStore, StoreError, StoreFuture};

/// Replaces a record's hash with the fields in ARGV (name, value, ...), in one step.
const PUT_LUA: &str = r#"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"#;

/// Sets `revoked` once, and only on a record that exists.
const REVOKE_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'revoked') == '' then
  redis.call('HSET', KEYS[1], 'revoked', ARGV[1])
end
return 1
"#;

impl RedisStore {
    fn key_record_key(&self, id: &str) -> String {
        let mut key = format!("{}:key:", self.prefix());
        push_tag(&mut key, id);
        key
    }

    fn owner_key(&self, owner: &str) -> String {
        let mut key = format!("{}:owner:", self.prefix());
        push_tag(&mut key, owner);
        key
    }

    async fn fetch(&self, id: &str) -> Result<Option<KeyRecord>, StoreError> {
        let mut conn = self.connection();
        let key = self.key_record_key(id);
        let fields: Vec<(String, String)> = self
            .bounded("an API-key lookup", async {
                redis::cmd("HGETALL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| self.failed("an API-key lookup", &e))
            })
            .await?;
        if fields.is_empty() {
            return Ok(None);
        }
        decode(id, &fields).map(Some).map_err(StoreError::new)
    }
}

impl KeyStore for RedisStore {
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<KeyRecord>> {
        Box::pin(self.fetch(id))
    }

    fn put<'a>(&'a self, record: &'a KeyRecord) -> StoreFuture<'a, ()> {
        // Two keys in two slots (on a cluster), so two steps: the id joins its owner's set
        // first, then the record is written whole in one script. A put cut off between them
        // leaves at most an id in the set with no record of that owner, which `list` skips.
        Box::pin(async move {
            let mut conn = self.connection();
            self.bounded("storing an API key", async {
                redis::cmd("SADD")
                    .arg(self.owner_key(&record.owner))
                    .arg(&record.id)
                    .query_async::<Value>(&mut conn)
                    .await
                    .map(drop)
                    .map_err(|e| self.failed("storing an API key", &e))
            })
            .await?;
            let script = redis::Script::new(PUT_LUA);
            let mut invocation = script.prepare_invoke();
            invocation.key(self.key_record_key(&record.id));
            for (field, value) in encode(record) {
                invocation.arg(field).arg(value);
            }
            self.bounded("storing an API key", async {
                invocation
                    .invoke_async::<Value>(&mut conn)
                    .await
                    .map(drop)
                    .map_err(|e| self.failed("storing an API key", &e))
            })
            .await
        })
    }

    fn revoke<'a>(&'a self, id: &'a str, at: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let script = redis::Script::new(REVOKE_LUA);
            let mut invocation = script.prepare_invoke();
            invocation.key(self.key_record_key(id)).arg(at);
            let mut conn = self.connection();
            let reply: i64 = self
                .bounded("revoking an API key", async {
                    invocation
                        .invoke_async(&mut conn)
                        .await
                        .map_err(|e| self.failed("revoking an API key", &e))
                })
                .await?;
            Ok(reply == 1)
        })
    }

    fn list<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Vec<KeyRecord>> {
        Box::pin(async move {
            let mut conn = self.connection();
            let set = self.owner_key(owner);
            let mut ids: Vec<String> = self
                .bounded("listing API keys", async {
                    redis::cmd("SMEMBERS")
                        .arg(&set)
                        .query_async(&mut conn)
                        .await
                        .map_err(|e| self.failed("listing API keys", &e))
                })
                .await?;
            ids.sort();
            let mut records = Vec::with_capacity(ids.len());
            for id in ids {
                // A record given to another owner since stays out of this list.
                if let Some(record) = self.fetch(&id).await?
                    && record.owner == owner
                {
                    records.push(record);
                }
            }
            Ok(records)
        })
    }
}
