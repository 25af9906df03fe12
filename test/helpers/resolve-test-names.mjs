// A preload (node --import) that resolves *.hostsmith.test to 127.0.0.1, as a hosts-file line
// would: for the tests where a client must reach the HTTPS front without the test proxy
// (NO_PROXY). Every other name goes to the real resolver.
import dns from 'node:dns';

const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname !== 'string' || !hostname.toLowerCase().endsWith('.hostsmith.test')) {
    return original.call(this, hostname, options, callback);
  }
  const done = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all === true;
  process.nextTick(() =>
    all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4),
  );
  return {};
};
