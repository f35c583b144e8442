import { decodeOfficialClip } from '../src/media/decode-official-clip.js';
const f = '/work/shared/fixtures/selavi-official/clip-160x120-30fps.mp4';
await decodeOfficialClip(f);
const t = performance.now(); const u0 = process.cpuUsage(); const c0 = process.resourceUsage();
for (let i = 0; i < 10; i++) await decodeOfficialClip(f);
const u = process.cpuUsage(u0);
console.log('wall ms/clip', ((performance.now() - t) / 10).toFixed(0), 'main-process cpu ms/clip', ((u.user + u.system) / 1e4).toFixed(0));
