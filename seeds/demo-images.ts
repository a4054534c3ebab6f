import sharp from 'sharp';

// Pictures for the demo seed, drawn as SVG and rendered to JPEG with sharp, then handed to the same
// services (and so the same photo pipeline and storage) as a member's upload. Only shapes, no text:
// a machine without Japanese fonts would draw a kana initial as empty boxes.

export type Motif =
  'cat' | 'face' | 'flower' | 'sun' | 'mountain' | 'sea' | 'cup' | 'note' | 'ball' | 'book' | 'train' | 'leaf';

/** Two colours of a soft background gradient, one pair per member or picture. */
const PALETTES: [string, string][] = [
  ['#f9c5d1', '#f48fb1'],
  ['#b3e5fc', '#4fc3f7'],
  ['#c8e6c9', '#66bb6a'],
  ['#ffe0b2', '#ffa726'],
  ['#d1c4e9', '#9575cd'],
  ['#fff9c4', '#fdd835'],
  ['#b2dfdb', '#26a69a'],
  ['#ffccbc', '#ff7043'],
  ['#cfd8dc', '#78909c'],
  ['#f0f4c3', '#c0ca33'],
  ['#e1bee7', '#ba68c8'],
  ['#bbdefb', '#42a5f5'],
];

function motifSvg(motif: Motif): string {
  const ink = '#ffffff';
  const dark = '#37474f';
  switch (motif) {
    case 'cat':
      return `<polygon points="80,110 100,40 135,95" fill="${ink}"/><polygon points="220,110 200,40 165,95" fill="${ink}"/>
        <circle cx="150" cy="160" r="85" fill="${ink}"/><circle cx="120" cy="150" r="9" fill="${dark}"/><circle cx="180" cy="150" r="9" fill="${dark}"/>
        <polygon points="143,175 157,175 150,184" fill="#f48fb1"/>
        <path d="M95 180 L60 172 M95 190 L60 196 M205 180 L240 172 M205 190 L240 196" stroke="${dark}" stroke-width="3"/>`;
    case 'face':
      return `<circle cx="150" cy="120" r="62" fill="${ink}"/><path d="M55 290 Q55 195 150 195 Q245 195 245 290 Z" fill="${ink}"/>
        <circle cx="128" cy="115" r="7" fill="${dark}"/><circle cx="172" cy="115" r="7" fill="${dark}"/>
        <path d="M128 142 Q150 160 172 142" stroke="${dark}" stroke-width="5" fill="none" stroke-linecap="round"/>`;
    case 'flower':
      return (
        [0, 72, 144, 216, 288]
          .map((a) => `<ellipse cx="150" cy="95" rx="34" ry="55" fill="${ink}" transform="rotate(${a} 150 150)"/>`)
          .join('') + `<circle cx="150" cy="150" r="30" fill="#fdd835"/>`
      );
    case 'sun':
      return (
        Array.from(
          { length: 12 },
          (_, i) =>
            `<rect x="146" y="30" width="8" height="40" rx="4" fill="${ink}" transform="rotate(${i * 30} 150 150)"/>`,
        ).join('') + `<circle cx="150" cy="150" r="62" fill="${ink}"/>`
      );
    case 'mountain':
      return `<circle cx="225" cy="80" r="30" fill="#fff59d"/><polygon points="20,260 120,90 220,260" fill="${ink}"/>
        <polygon points="140,260 215,140 290,260" fill="#eceff1"/><polygon points="96,130 120,90 144,130 132,122 120,134 108,122" fill="#90a4ae"/>`;
    case 'sea':
      return `<circle cx="150" cy="135" r="55" fill="#fff59d"/><rect x="0" y="170" width="300" height="130" fill="#1e88e5" opacity="0.8"/>
        <path d="M0 190 Q37 175 75 190 T150 190 T225 190 T300 190" stroke="${ink}" stroke-width="6" fill="none"/>
        <path d="M0 230 Q37 215 75 230 T150 230 T225 230 T300 230" stroke="${ink}" stroke-width="6" fill="none"/>`;
    case 'cup':
      return `<path d="M85 120 L215 120 L200 230 Q198 245 183 245 L117 245 Q102 245 100 230 Z" fill="${ink}"/>
        <path d="M213 140 Q255 140 250 175 Q245 205 205 205" stroke="${ink}" stroke-width="14" fill="none"/>
        <path d="M125 100 Q115 80 125 60 M150 100 Q140 80 150 60 M175 100 Q165 80 175 60" stroke="${ink}" stroke-width="6" fill="none" stroke-linecap="round"/>`;
    case 'note':
      return `<rect x="120" y="60" width="14" height="150" fill="${ink}"/><rect x="200" y="45" width="14" height="150" fill="${ink}"/>
        <polygon points="120,60 214,45 214,80 120,95" fill="${ink}"/><ellipse cx="105" cy="212" rx="32" ry="24" fill="${ink}"/>
        <ellipse cx="185" cy="197" rx="32" ry="24" fill="${ink}"/>`;
    case 'ball':
      return `<circle cx="150" cy="150" r="95" fill="${ink}"/><polygon points="150,110 188,138 174,182 126,182 112,138" fill="${dark}"/>
        <path d="M150 110 L150 58 M188 138 L236 122 M174 182 L205 225 M126 182 L95 225 M112 138 L64 122" stroke="${dark}" stroke-width="5"/>`;
    case 'book':
      return `<path d="M40 90 Q95 70 150 95 L150 240 Q95 215 40 235 Z" fill="${ink}"/><path d="M260 90 Q205 70 150 95 L150 240 Q205 215 260 235 Z" fill="#eceff1"/>
        <path d="M65 120 L125 125 M65 145 L125 150 M65 170 L125 175 M175 125 L235 120 M175 150 L235 145" stroke="#90a4ae" stroke-width="4"/>`;
    case 'train':
      return `<rect x="70" y="70" width="160" height="150" rx="28" fill="${ink}"/><rect x="90" y="90" width="120" height="55" rx="8" fill="#90caf9"/>
        <circle cx="110" cy="185" r="12" fill="#ffca28"/><circle cx="190" cy="185" r="12" fill="#ffca28"/>
        <path d="M95 220 L70 260 M205 220 L230 260" stroke="${ink}" stroke-width="10"/><rect x="30" y="255" width="240" height="10" fill="${dark}"/>`;
    case 'leaf':
      return `<path d="M70 230 Q60 80 230 70 Q240 230 70 230 Z" fill="${ink}"/><path d="M70 230 Q140 150 200 100" stroke="#66bb6a" stroke-width="6" fill="none"/>`;
  }
}

/** A 300×300 JPEG (or w×h for scenery) of a motif on a gradient, as bytes a member could upload. */
export async function drawPicture(
  motif: Motif,
  palette: number,
  size: { width: number; height: number } = { width: 300, height: 300 },
): Promise<Buffer> {
  const [from, to] = PALETTES[palette % PALETTES.length];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 300 300" preserveAspectRatio="xMidYMid slice">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
    <rect x="-200" y="-200" width="700" height="700" fill="url(#g)"/>${motifSvg(motif)}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
