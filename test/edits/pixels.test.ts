// Edits judged by their pixels: what the thumbnail and renditions of an edited photo show, against what sharp makes of
// the original outside workerd (the pixel oracle), and against the unedited photo, which they must no longer be.
import { describe, expect, it } from "vitest";
import { grayDistance, UPRIGHT_DISTANCE } from "../helpers/grayscale";
import { meanDifference, oracle, PHOTO, PHOTO_SIZE, rendition, userWithPhoto } from "../options/helpers";
import { fetchLink, putEdits } from "./helpers";

const reference = (operations = "", size = 16) => oracle(`/gray?size=${size}${operations}`, PHOTO);

describe("an edited photo, as everything shows it", () => {
  it("rotate 90: the thumbnail and a rendition are sharp's rotate(90) of the photo, not the photo", async () => {
    const user = await userWithPhoto();
    const edited = await putEdits(user, user.image.id, { rotate: 90 });
    expect(edited.edits).toEqual({ rotate: 90 });
    expect([edited.width, edited.height]).toEqual([PHOTO_SIZE.height, PHOTO_SIZE.width]);
    expect([edited.originalWidth, edited.originalHeight]).toEqual([PHOTO_SIZE.width, PHOTO_SIZE.height]);

    const thumbnail = await oracle("/gray?size=16", (await fetchLink(edited.thumbnailUrl)).bytes);
    expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(["webp", 170, 256]);
    const turned = grayDistance(thumbnail.gray, (await reference("&rotate=90")).gray);
    const otherWay = grayDistance(thumbnail.gray, (await reference("&rotate=270")).gray);
    console.log(
      `rotate 90 edit, thumbnail: to sharp's rotate(90) ${turned.toFixed(2)}, to rotate(270) ${otherWay.toFixed(2)}`,
    );
    expect(turned).toBeLessThan(3);
    expect(otherWay).toBeGreaterThan(UPRIGHT_DISTANCE);

    // A rendition is sized on the edited picture: 200 wide of 300×451.
    const sized = await oracle(
      "/gray?size=16",
      (await rendition(user, user.image.id, { width: 200, format: "png" })).bytes,
    );
    expect([sized.width, sized.height]).toEqual([200, 301]);
    const sizedDistance = grayDistance(sized.gray, (await reference("&rotate=90")).gray);
    console.log(`rotate 90 edit, width=200 PNG: to sharp's rotate(90) ${sizedDistance.toFixed(2)}`);
    expect(sizedDistance).toBeLessThan(1);

    // The options a request asks for apply to the edited picture: rotate=90 on top of it is the photo upside down.
    const twice = await oracle(
      "/gray?size=16",
      (await rendition(user, user.image.id, { rotate: 90, format: "png" })).bytes,
    );
    expect([twice.width, twice.height]).toEqual([PHOTO_SIZE.width, PHOTO_SIZE.height]);
    expect(grayDistance(twice.gray, (await reference("&rotate=180")).gray)).toBeLessThan(1);
    expect(grayDistance(twice.gray, (await reference()).gray)).toBeGreaterThan(UPRIGHT_DISTANCE);
  });

  it("crop: the stated size, and exactly the pixels of that rectangle of the photo as shown", async () => {
    const user = await userWithPhoto();
    const crop = { x: 30, y: 20, width: 200, height: 150 };
    const edited = await putEdits(user, user.image.id, { crop });
    expect([edited.width, edited.height]).toEqual([200, 150]);

    const seen = await oracle("/gray?size=0", (await rendition(user, user.image.id, { format: "png" })).bytes);
    expect([seen.width, seen.height]).toEqual([200, 150]);
    const exact = meanDifference(seen.gray, (await reference("&extract=30,20,200,150", 0)).gray);
    const off = meanDifference(seen.gray, (await reference("&extract=40,20,200,150", 0)).gray);
    console.log(
      `crop edit: mean difference to sharp's extract ${exact.toFixed(3)}, to one 10 px off ${off.toFixed(2)}`,
    );
    expect(exact).toBeLessThan(0.5);
    expect(off).toBeGreaterThan(5);

    const thumbnail = await oracle("/gray?size=0", (await fetchLink(edited.thumbnailUrl)).bytes);
    expect([thumbnail.width, thumbnail.height]).toEqual([200, 150]); // fits 256: never enlarged
  });

  it("crop, flip and rotate apply in that order (crop measured on the photo as shown)", async () => {
    const user = await userWithPhoto();
    const edited = await putEdits(user, user.image.id, {
      rotate: 90,
      flip: "h",
      crop: { x: 100, y: 40, width: 240, height: 200 },
    });
    expect([edited.width, edited.height]).toEqual([200, 240]);
    const seen = await oracle("/gray?size=16", (await rendition(user, user.image.id, { format: "png" })).bytes);
    expect([seen.width, seen.height]).toEqual([200, 240]);
    const inOrder = grayDistance(seen.gray, (await reference("&extract=100,40,240,200&flop=1&rotate=90")).gray);
    const unflipped = grayDistance(seen.gray, (await reference("&extract=100,40,240,200&rotate=90")).gray);
    console.log(
      `crop+flip+rotate edit: to sharp's in that order ${inOrder.toFixed(2)}, without the flip ${unflipped.toFixed(2)}`,
    );
    expect(inOrder).toBeLessThan(1);
    expect(unflipped).toBeGreaterThan(3);
  });

  it("saturation 0: every rendition is grayscale, even one asking for more saturation", async () => {
    const user = await userWithPhoto();
    await putEdits(user, user.image.id, { saturation: 0 });
    const rgb = async (query: Record<string, string | number>) =>
      (
        await oracle<{ rgb: number[] }>(
          "/rgb?size=0",
          (
            await rendition(user, user.image.id, { ...query, format: "png" })
          ).bytes,
        )
      ).rgb;
    const spread = (values: number[]) => {
      let most = 0;
      for (let i = 0; i < values.length; i += 3) {
        const pixel = [values[i]!, values[i + 1]!, values[i + 2]!];
        most = Math.max(most, Math.max(...pixel) - Math.min(...pixel));
      }
      return most;
    };
    const plain = spread(await rgb({ width: 300 }));
    const boosted = spread(await rgb({ width: 300, saturation: 2 }));
    console.log(`saturation 0 edit: largest channel spread ${plain}, with saturation=2 asked ${boosted}`);
    expect(plain).toBeLessThanOrEqual(1);
    expect(boosted).toBeLessThanOrEqual(1);
  });
});
