package store

// SetMigrateChunk makes a copy into PostgreSQL commit every n keys (tests interrupt a
// copy between chunks); the returned function restores the size.
func SetMigrateChunk(n int) func() {
	old := migrateChunkKeys
	migrateChunkKeys = n
	return func() { migrateChunkKeys = old }
}
