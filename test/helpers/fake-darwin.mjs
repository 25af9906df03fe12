// Preload (node --import) that makes the program believe it runs on macOS: process.platform is
// 'darwin' before any of its modules load. Path rules stay Linux's, which macOS shares.
Object.defineProperty(process, 'platform', { value: 'darwin', enumerable: true });
