/** `node dist/test/targets/ws-serve.js '{json options}'`: the ws chat target alone; prints its URL. */
import { startWsChat } from './ws-chat.js';

const chat = await startWsChat(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${chat.url}\n`);
process.on('SIGTERM', () => void chat.close().then(() => process.exit(0)));
