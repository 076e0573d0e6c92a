/** Saves bytes as a file through the browser's download (a blob URL: nothing leaves the page). */
export function downloadBytes(filename: string, bytes: Uint8Array, type = 'application/octet-stream'): void {
  const href = URL.createObjectURL(new Blob([bytes.slice()], { type }));
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
