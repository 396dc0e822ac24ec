#!/usr/bin/env bash
# Assembles real test photos from Debian (and npm) packages: downloads the packages (no install),
# extracts the files, derives format/edge cases from them, and writes DIR/manifest.tsv.
#
#   bash scripts/corpus.sh test  DIR   # ~52 MB of packages: what `make test` needs
#   bash scripts/corpus.sh bench DIR   # the full 54-photo benchmark corpus (~300 MB of packages)
#
# Idempotent: downloads and derived files are kept; delete DIR to rebuild. Needs apt-get with an
# updated package list, dpkg-deb, vips, vipsthumbnail, heif-enc, cwebp, jpegtran, exiftool
# (scripts/setup.sh installs them), and npm for the bench profile.
set -euo pipefail

PROFILE=${1:?usage: corpus.sh test|bench DIR}
DIR=${2:?usage: corpus.sh test|bench DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CACHE=$DIR/.cache
mkdir -p "$CACHE/debs" "$CACHE/x" "$CACHE/npm"

for c in apt-get dpkg-deb vips vipsthumbnail vipsheader heif-enc cwebp jpegtran exiftool sha256sum; do
  command -v "$c" >/dev/null || { echo "corpus.sh: missing $c (run scripts/setup.sh)" >&2; exit 1; }
done

case $PROFILE in
  test) DEBS=(lomiri-wallpapers-16.04 golang-github-rwcarlsen-goexif-dev gdk-pixbuf-tests
              gnome-user-docs inkscape-tutorials python3-skimage) ;;
  bench) DEBS=(lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds plasma-workspace-wallpapers
               python3-skimage golang-github-rwcarlsen-goexif-dev libjxl-testdata gnome-backgrounds
               gdk-pixbuf-tests golang-1.19-src gnome-user-docs inkscape-tutorials) ;;
  *) echo "corpus.sh: unknown profile $PROFILE (test or bench)" >&2; exit 2 ;;
esac

fetch_deb() {  # package -> extracted under $CACHE/x/package
  local p=$1 deb
  deb=$(ls "$CACHE/debs/${p}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    if ! (cd "$CACHE/debs" && apt-get download "$p" >/dev/null 2>"$CACHE/debs/$p.err"); then
      # A fresh machine may not have package lists yet.
      if [ "$(id -u)" = 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
      (cd "$CACHE/debs" && apt-get download "$p" >/dev/null 2>"$CACHE/debs/$p.err") || {
        echo "corpus.sh: apt-get download $p failed:" >&2; cat "$CACHE/debs/$p.err" >&2; exit 1; }
    fi
    deb=$(ls "$CACHE/debs/${p}_"*.deb | head -1)
  fi
  if [ ! -e "$CACHE/x/$p/.done" ]; then
    rm -rf "$CACHE/x/$p"; mkdir -p "$CACHE/x/$p"; dpkg-deb -x "$deb" "$CACHE/x/$p"; touch "$CACHE/x/$p/.done"
  fi
}
deb_version() { dpkg-deb -f "$(ls "$CACHE/debs/${1}_"*.deb | head -1)" Version; }

fetch_npm() {  # package -> extracted under $CACHE/npm/<safe name>/package
  local p=$1 safe tgz
  safe=$(echo "$p" | tr '@/' '_-')
  if [ ! -e "$CACHE/npm/$safe/.done" ]; then
    rm -rf "$CACHE/npm/$safe"; mkdir -p "$CACHE/npm/$safe"
    tgz=$(cd "$CACHE/npm" && npm pack "$p" --silent 2>/dev/null | tail -1)
    tar xzf "$CACHE/npm/$tgz" -C "$CACHE/npm/$safe"; touch "$CACHE/npm/$safe/.done"
  fi
}

for p in "${DEBS[@]}"; do fetch_deb "$p"; done

PROV=$DIR/.provenance.tsv
: >"$PROV"
prov() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$PROV"; }
copy_deb() {  # dest package path-in-package
  local dest=$1 pkg=$2 path=$3
  [ -f "$CACHE/x/$pkg/$path" ] || { echo "corpus.sh: $pkg no longer ships $path" >&2; exit 1; }
  mkdir -p "$(dirname "$DIR/$dest")"
  [ -s "$DIR/$dest" ] || cp "$CACHE/x/$pkg/$path" "$DIR/$dest"
  prov "$dest" "$pkg" "$(deb_version "$pkg")" "/$path" shipped
}
derive() {  # dest package source-path how command... (runs the command only when dest is missing)
  local dest=$1 pkg=$2 src=$3 how=$4; shift 4
  mkdir -p "$(dirname "$DIR/$dest")"
  if [ ! -s "$DIR/$dest" ]; then "$@" || { echo "corpus.sh: deriving $dest failed" >&2; exit 1; }; fi
  prov "$dest" "$pkg" "$(deb_version "$pkg")" "$src" "derived: $how"
}

L16=usr/share/backgrounds
GX=usr/share/gocode/src/github.com/rwcarlsen/goexif/exif
LOMIRI16=(Bridge_by_Sander_Klootwijk Dragonfly_by_Bolly Picture_0B_by_freespace Picture_1A_by_freespace
          Wine_by_Jakkub_Mede aitzgorri_by_Aitzol_Berasategi free_by_Peter_Nerlich friends_by_Aitzol_Berasategi
          greentock_by_Peter_Nerlich life_by_Aitzol_Berasategi picosdeeuropa_by_Aitzol_Berasategi
          seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi)
SUB=photo
[ "$PROFILE" = bench ] && SUB=jpeg
for n in "${LOMIRI16[@]}"; do copy_deb "$SUB/lomiri16__$n.jpg" lomiri-wallpapers-16.04 "$L16/$n.jpg"; done
copy_deb "$SUB/goexif__sample1.jpg" golang-github-rwcarlsen-goexif-dev "$GX/sample1.jpg"

# exif/: camera photos with EXIF from many makers (goexif's regression samples); hostile/: its
# corrupt-EXIF cases (an IFD loop, a huge tag count, max-uint32 offsets), some not decodable.
for f in "$CACHE/x/golang-github-rwcarlsen-goexif-dev/$GX/samples/"*.jpg; do
  copy_deb "exif/goexif__$(basename "$f")" golang-github-rwcarlsen-goexif-dev "$GX/samples/$(basename "$f")"
done
# goexif's expected values for those samples: an independent reader to compare EXIF against
# (exiftool rejects most of them as JPEGs: they are cut short after the metadata).
copy_deb exif/goexif-regress-expected.go golang-github-rwcarlsen-goexif-dev "$GX/regress_expected_test.go"
for f in "$CACHE/x/golang-github-rwcarlsen-goexif-dev/$GX/corrupt/"*.jpg; do
  copy_deb "hostile/goexif__$(basename "$f")" golang-github-rwcarlsen-goexif-dev "$GX/corrupt/$(basename "$f")"
done

# extra/: edge cases shipped as such, and derived ones (format conversions of shipped photos)
copy_deb extra/orient6__goexif-has-lens-info.jpg golang-github-rwcarlsen-goexif-dev "$GX/samples/has-lens-info.jpg"
copy_deb extra/gif-anim__1_partyanimsm2.gif gdk-pixbuf-tests usr/libexec/installed-tests/gdk-pixbuf/1_partyanimsm2.gif
copy_deb extra/huge-blank__gdkpixbuf-large.jpg gdk-pixbuf-tests usr/libexec/installed-tests/gdk-pixbuf/large.jpg
P=$DIR/$SUB
orient6() {  # camera-style portrait: pixels stored rotated (lossless), Orientation=6 says how to show them
  jpegtran -copy all -rotate 270 -trim -outfile "$DIR/$1.tmp" "$P/lomiri16__friends_by_Aitzol_Berasategi.jpg" &&
    exiftool -q -overwrite_original -n -Orientation=6 "$DIR/$1.tmp" >/dev/null && mv "$DIR/$1.tmp" "$DIR/$1"
}
derive extra/orient6-derived__friends.jpg lomiri-wallpapers-16.04 "/$L16/friends_by_Aitzol_Berasategi.jpg" \
  "jpegtran -rotate 270 -trim + exiftool Orientation=6" orient6 extra/orient6-derived__friends.jpg
derive extra/webp-derived__sunset-q80.webp lomiri-wallpapers-16.04 "/$L16/sunset_by_Aitzol_Berasategi.jpg" \
  "cwebp -q 80" cwebp -quiet -q 80 -metadata none "$P/lomiri16__sunset_by_Aitzol_Berasategi.jpg" -o "$DIR/extra/webp-derived__sunset-q80.webp"
heif_small() {  # $1 dest, $2 extra heif-enc flags: a 1024-px copy keeps encoding fast
  vipsthumbnail "$P/lomiri16__life_by_Aitzol_Berasategi.jpg" -s 1024x -o "$CACHE/life-1024.jpg[Q=95]" &&
    heif-enc $2 -q 50 -o "$DIR/$1" "$CACHE/life-1024.jpg" >/dev/null
}
derive extra/heic-derived__life-q50.heic lomiri-wallpapers-16.04 "/$L16/life_by_Aitzol_Berasategi.jpg" \
  "vipsthumbnail 1024 px, heif-enc -q 50 (x265 HEVC)" heif_small extra/heic-derived__life-q50.heic ""
derive extra/avif-derived__life-q50.avif lomiri-wallpapers-16.04 "/$L16/life_by_Aitzol_Berasategi.jpg" \
  "vipsthumbnail 1024 px, heif-enc -A -q 50 (aom AV1)" heif_small extra/avif-derived__life-q50.avif -A
heif_with_thumbnail() {  # an iPhone-style HEIC carrying a 320-px embedded thumbnail
  vipsthumbnail "$P/lomiri16__life_by_Aitzol_Berasategi.jpg" -s 1024x -o "$CACHE/life-1024.jpg[Q=95]" &&
    heif-enc -t 320 -q 50 -o "$DIR/$1" "$CACHE/life-1024.jpg" >/dev/null
}
derive extra/heic-thumb-derived__life-q50.heic lomiri-wallpapers-16.04 "/$L16/life_by_Aitzol_Berasategi.jpg" \
  "vipsthumbnail 1024 px, heif-enc -t 320 -q 50 (embedded 320-px thumbnail)" heif_with_thumbnail extra/heic-thumb-derived__life-q50.heic
derive extra/cmyk-derived__Wine.jpg lomiri-wallpapers-16.04 "/$L16/Wine_by_Jakkub_Mede.jpg" \
  "vips icc_transform to the built-in CMYK profile, embedded, Q90" \
  vips icc_transform "$P/lomiri16__Wine_by_Jakkub_Mede.jpg" "$DIR/extra/cmyk-derived__Wine.jpg[Q=90]" cmyk --embedded
alpha_png() {  # 800-px copy with a radial alpha ramp: opaque centre, transparent corners
  vipsthumbnail "$P/lomiri16__Dragonfly_by_Bolly.jpg" -s 800x -o "$CACHE/dragonfly-800.png" &&
    python3 - "$CACHE/dragonfly-800.png" "$DIR/extra/png-alpha-derived__Dragonfly.png" <<'PY'
import subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
w, h = (int(subprocess.check_output(["vipsheader", "-f", f, src])) for f in ("width", "height"))
def vips(*args):
    subprocess.check_call(["vips", *args])
# alpha = 255 * clamp(1.6 - 1.6 * distance from the centre / (half-diagonal / sqrt 2)): opaque
# centre, fading to transparent corners. Arrays start with a space so vips does not read a
# negative number as an option.
t = src + ".tmp"
vips("xyz", t + ".xy.v", str(w), str(h))
vips("linear", t + ".xy.v", t + ".d.v", " 1 1", f" {-w / 2} {-h / 2}")
vips("multiply", t + ".d.v", t + ".d.v", t + ".sq.v")
vips("bandmean", t + ".sq.v", t + ".m.v")
vips("math2_const", t + ".m.v", t + ".r.v", "pow", "0.5")
radius = ((w / 2) ** 2 + (h / 2) ** 2) ** 0.5 / 2 ** 0.5
vips("linear", t + ".r.v", t + ".a.v", f" {-1.6 * 255 / radius}", f" {1.6 * 255}")
vips("cast", t + ".a.v", t + ".a8.v", "uchar")
vips("bandjoin", f"{src} {t}.a8.v", dst)
for s in ("xy", "d", "sq", "m", "r", "a", "a8"):
    subprocess.call(["rm", "-f", f"{t}.{s}.v"])
PY
}
derive extra/png-alpha-derived__Dragonfly.png lomiri-wallpapers-16.04 "/$L16/Dragonfly_by_Bolly.jpg" \
  "vipsthumbnail 800 px + radial alpha ramp (vips bandjoin)" alpha_png

# metadata/: IPTC and XMP as photo desks and managers write them (exiftool), on a small copy
tagged() {  # $1 dest, then exiftool tag assignments
  local dest=$1; shift
  vipsthumbnail "$P/lomiri16__Bridge_by_Sander_Klootwijk.jpg" -s 480x -o "$DIR/$dest.tmp.jpg[Q=85,strip]" &&
    exiftool -q -overwrite_original "$@" "$DIR/$dest.tmp.jpg" >/dev/null && mv "$DIR/$dest.tmp.jpg" "$DIR/$dest"
}
derive metadata/iptc-xmp-derived__Bridge.jpg lomiri-wallpapers-16.04 "/$L16/Bridge_by_Sander_Klootwijk.jpg" \
  "vipsthumbnail 480 px + exiftool IPTC (UTF-8) and XMP fields" tagged metadata/iptc-xmp-derived__Bridge.jpg \
  -IPTC:CodedCharacterSet=UTF8 '-IPTC:Caption-Abstract=Brücke über den Fluss — evening' \
  -IPTC:Keywords=bridge -IPTC:Keywords=river '-IPTC:Keywords=Zürich' '-IPTC:By-line=Sander Klootwijk' \
  '-IPTC:Headline=Bridge at dusk' -IPTC:City=Utrecht -IPTC:Country-PrimaryLocationName=Netherlands \
  -IPTC:DateCreated=2016:04:21 -IPTC:TimeCreated=19:45:10+02:00 '-IPTC:CopyrightNotice=© 2016 Sander Klootwijk' \
  -XMP-xmp:Rating=4 -XMP-xmp:Label=Green -XMP-dc:Subject=bridge -XMP-dc:Subject=river -XMP-dc:Subject=Zürich \
  '-XMP-dc:Title=Bridge' '-XMP-dc:Description=A bridge over a river at dusk' '-XMP-dc:Creator=Sander Klootwijk' \
  '-XMP-dc:Rights=CC BY-SA 3.0' '-XMP-lr:HierarchicalSubject=Places|Netherlands|Utrecht'
derive metadata/iptc-latin1-derived__Bridge.jpg lomiri-wallpapers-16.04 "/$L16/Bridge_by_Sander_Klootwijk.jpg" \
  "vipsthumbnail 480 px + exiftool IPTC in ISO-8859-1 with no declared charset" tagged metadata/iptc-latin1-derived__Bridge.jpg \
  -charset iptc=Latin '-IPTC:Caption-Abstract=Café crème à Noël' '-IPTC:Keywords=Café' -XMP-xmp:Rating=-1

# themes/: the hand-labelled slice for the themes extractor (labels: tests/fixtures/themes/labels.tsv):
# GNOME help screenshots, Inkscape tutorial bitmaps, scikit-image's sample images (scanned text,
# black-and-white and colour photos, graphics, night shots). Shipped files, not re-encoded.
GH=usr/share/help/C/gnome-help/figures
for n in color-camera color-space input-methods-switcher nautilus-icons printing-select screenshot-tool \
         shell-activities-dash shell-appmenu-classic shell-appmenu-shell shell-appts-classic shell-appts \
         shell-exit-classic-expanded shell-exit shell-workspaces; do
  copy_deb "themes/gnome__$n.png" gnome-user-docs "$GH/$n.png"
done
for n in tux.png potrace.png pixelart-dialog.png oldguitar.jpg; do
  copy_deb "themes/inkscape__$n" inkscape-tutorials "usr/share/inkscape/tutorials/$n"
done
for n in page.png text.png bw_text.png camera.png moon.png coins.png astronaut.png coffee.png chelsea.png \
         motorcycle_left.png logo.png horse.png grass.png gravel.png brick.png clock_motion.png color.png \
         phantom.png microaneurysms.png ihc.png hubble_deep_field.jpg rocket.jpg retina.jpg; do
  copy_deb "themes/skimage__$n" python3-skimage "usr/lib/python3/dist-packages/skimage/data/$n"
done

if [ "$PROFILE" = bench ]; then
  copy_deb "jpeg/lomiri20__Kleiber_by_Lukas_Baubkus.jpg" lomiri-wallpapers-20.04 "$L16/Kleiber_by_Lukas_Baubkus.jpg"
  for n in Aqua Blinds Dune FreshFlower Garden GreenMeadow LadyBird RainDrops Storm TwoWings Wood YellowFlower; do
    copy_deb "jpeg/mate__$n.jpg" mate-backgrounds "usr/share/backgrounds/mate/nature/$n.jpg"
  done
  for n in BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite OneStandsOut Path summer_1am; do
    copy_deb "jpeg/plasma__$n-2560x1600.jpg" plasma-workspace-wallpapers "usr/share/wallpapers/$n/contents/images/2560x1600.jpg"
  done
  SK=usr/lib/python3/dist-packages/skimage/data
  for n in hubble_deep_field retina rocket; do copy_deb "jpeg/skimage__$n.jpg" python3-skimage "$SK/$n.jpg"; done
  FL=usr/share/libjxl-testdata/jxl/flower
  copy_deb jpeg/libjxl__flower-q85-420-progressive.jpg libjxl-testdata "$FL/flower.png.im_q85_420_progr.jpg"
  copy_deb jpeg/libjxl__flower-q85-444.jpg libjxl-testdata "$FL/flower.png.im_q85_444.jpg"
  for n in astronaut coffee chelsea motorcycle_left ihc; do
    derive "jpeg/skimage__$n.jpg" python3-skimage "/$SK/$n.png" "PNG->JPEG Q90 (vips copy)" \
      vips copy "$CACHE/x/python3-skimage/$SK/$n.png" "$DIR/jpeg/skimage__$n.jpg[Q=90]"
  done
  fetch_npm "@vladmandic/face-api"
  FA=$CACHE/npm/_vladmandic-face-api/package
  for i in 1 2 3 4 5 6; do
    [ -s "$DIR/jpeg/faceapi__sample$i.jpg" ] || cp "$FA/demo/sample$i.jpg" "$DIR/jpeg/faceapi__sample$i.jpg"
    prov "jpeg/faceapi__sample$i.jpg" "npm:@vladmandic/face-api" "$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$FA/package.json" | head -1)" "/demo/sample$i.jpg" shipped
  done
  copy_deb extra/png-alpha__flower_alpha.png libjxl-testdata "$FL/flower_alpha.png"
  copy_deb extra/webp__gnome-adwaita-l.webp gnome-backgrounds usr/share/backgrounds/gnome/adwaita-l.webp
  copy_deb extra/cmyk__video-001.cmyk.jpeg golang-1.19-src usr/share/go-1.19/src/image/testdata/video-001.cmyk.jpeg
fi

{
  printf 'file\tWxH\tloader\tbytes\tsource_package\tversion\tpath_in_package\thow\tsha256\n'
  sort "$PROV" | while IFS=$'\t' read -r dest pkg ver path how; do
    f=$DIR/$dest
    printf '%s\t%sx%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$dest" "$(vipsheader -f width "$f" 2>/dev/null || echo -)" \
      "$(vipsheader -f height "$f" 2>/dev/null || echo -)" "$(vipsheader -f vips-loader "$f" 2>/dev/null || echo -)" "$(stat -c %s "$f")" "$pkg" "$ver" "$path" "$how" "$(sha256sum "$f" | cut -d' ' -f1)"
  done
} >"$DIR/manifest.tsv"
echo "corpus ($PROFILE): $(($(wc -l <"$DIR/manifest.tsv") - 1)) files in $DIR (manifest.tsv)"
