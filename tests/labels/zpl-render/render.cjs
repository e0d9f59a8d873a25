// Renders ZPL to PNG with zpl-renderer-js (Zebrash compiled to WebAssembly), with no network
// and nothing of ours: the tests' independent check that a printer draws what we meant.
//
// usage: node render.cjs MODULES_DIR JOBS.json
//   MODULES_DIR  the node_modules folder that scripts/install-zpl-renderer.sh filled
//   JOBS.json    [{"zpl": "in.zpl", "widthMm": 101.6, "heightMm": 152.4, "dpmm": 8,
//                  "out": "prefix"}, ...]
// Each job writes prefix-1.png, prefix-2.png... one per ^XA...^XZ label, and prints
// "prefix N" on a line. Exit 1, with the reason on stderr, if anything fails.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

async function main() {
    const [modulesDir, jobsFile] = process.argv.slice(2);
    if (!modulesDir || !jobsFile) {
        throw new Error('usage: node render.cjs MODULES_DIR JOBS.json');
    }
    const { ready } = require(path.join(path.resolve(modulesDir), 'zpl-renderer-js'));
    const { api } = await ready;
    const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
    for (const job of jobs) {
        const zpl = fs.readFileSync(job.zpl, 'utf8');
        const pages = await api.zplToBase64MultipleAsync(zpl, job.widthMm, job.heightMm, job.dpmm);
        if (!Array.isArray(pages) || pages.length === 0) {
            throw new Error(job.zpl + ': the renderer drew no label');
        }
        pages.forEach((png, i) => {
            fs.writeFileSync(job.out + '-' + (i + 1) + '.png', Buffer.from(png, 'base64'));
        });
        process.stdout.write(job.out + ' ' + pages.length + '\n');
    }
}

main().then(
    // The Go runtime inside the WebAssembly keeps the event loop alive: leave explicitly.
    () => process.exit(0),
    (error) => {
        process.stderr.write('render.cjs: ' + (error && error.stack ? error.stack : error) + '\n');
        process.exit(1);
    },
);
