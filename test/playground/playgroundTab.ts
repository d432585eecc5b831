import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

// One person's Microsoft 365 Agents Playground in a browser tab, driven as a user drives it: type
// into the compose box, press buttons on the cards, fill card inputs, and (for a file, which the
// playground's compose box cannot attach) paste an activity into "Mock an Activity > Custom
// activity". Every wait is bounded.

export const STEP_TIMEOUT_MS = 15_000;

export class PlaygroundTab {
  private shots = 0;

  constructor(
    readonly page: Page,
    readonly name: string,
    private readonly outputDir: string,
  ) {}

  /** The adaptive cards in the chat, oldest first. */
  cards(): Locator {
    return this.page.locator('.ac-adaptiveCard');
  }

  /** The newest card holding `text`. */
  card(text: string | RegExp): Locator {
    return this.cards().filter({ hasText: text }).last();
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url, { timeout: STEP_TIMEOUT_MS });
    await this.composeBox().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  }

  composeBox(): Locator {
    return this.page.locator('[role=textbox][contenteditable=true]').last();
  }

  /** Types a message and sends it with Enter, as a user would. */
  async say(text: string): Promise<void> {
    const box = this.composeBox();
    await box.click({ timeout: STEP_TIMEOUT_MS });
    await this.page.keyboard.type(text, { delay: 5 });
    await this.page.keyboard.press('Enter');
  }

  /**
   * The newest card, once it holds `text`: a locator fixed to that card, which keeps pointing at
   * it when the bot updates it in place and when newer messages arrive.
   */
  async newestCard(text: string | RegExp, timeout = STEP_TIMEOUT_MS): Promise<Locator> {
    await this.waitForCard(text, timeout);
    const newest = this.cards().nth((await this.cards().count()) - 1);
    await newest.filter({ hasText: text }).waitFor({ state: 'visible', timeout });
    return newest;
  }

  /** Does `act` and returns the card holding `text` that it brings (one more than there were). */
  async nextCard(text: string | RegExp, act: () => Promise<void>, timeout = STEP_TIMEOUT_MS): Promise<Locator> {
    const before = await this.cards().filter({ hasText: text }).count();
    await act();
    const card = this.cards().filter({ hasText: text }).nth(before);
    await card.waitFor({ state: 'visible', timeout });
    await card.scrollIntoViewIfNeeded();
    return card;
  }

  /** A locator fixed to `card`'s place in the chat, which keeps pointing at it when the bot replaces its content. */
  async pin(card: Locator): Promise<Locator> {
    const index = await card.evaluate((element) => [...element.ownerDocument.querySelectorAll('.ac-adaptiveCard')].indexOf(element));
    assert.ok(index >= 0, 'the card is on the page');
    return this.cards().nth(index);
  }

  /** Waits for a card holding `text` and returns it. */
  async waitForCard(text: string | RegExp, timeout = STEP_TIMEOUT_MS): Promise<Locator> {
    const card = this.card(text);
    await card.waitFor({ state: 'visible', timeout });
    await card.scrollIntoViewIfNeeded({ timeout });
    return card;
  }

  /** Waits for a message (card or text) holding `text` anywhere in the conversation. */
  async waitForText(text: string | RegExp, timeout = STEP_TIMEOUT_MS): Promise<Locator> {
    const found = this.conversation().getByText(text).last();
    await found.waitFor({ state: 'visible', timeout });
    return found;
  }

  conversation(): Locator {
    // The chat pane: everything left of the log panel. The log panel echoes message texts, so
    // searches are limited to rendered messages.
    return this.page.locator('.fai-OutputCard, .ac-adaptiveCard, [class*="message"], [data-testid*="message"]');
  }

  async press(card: Locator, title: string): Promise<void> {
    const button = card.getByRole('button', { name: title, exact: true }).last();
    await button.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await button.click({ timeout: STEP_TIMEOUT_MS });
  }

  /** Fills a card input by its label, as typed. */
  async fill(card: Locator, label: string, value: string): Promise<void> {
    const input = inputsLabelled(card, label).first();
    await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await input.fill(value, { timeout: STEP_TIMEOUT_MS });
  }

  /** Mock an Activity > Custom activity: replaces the template with `activity` and sends it. */
  async sendCustomActivity(activity: object): Promise<void> {
    await this.page.getByRole('button', { name: 'Mock an Activity' }).click({ timeout: STEP_TIMEOUT_MS });
    await this.page.getByRole('menuitem', { name: 'Custom activity', exact: true }).click({ timeout: STEP_TIMEOUT_MS });
    const dialog = this.page.getByRole('dialog');
    const editor = dialog.locator('.monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await editor.click({ timeout: STEP_TIMEOUT_MS });
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.insertText(JSON.stringify(activity));
    await dialog.getByRole('button', { name: 'Send activity' }).click({ timeout: STEP_TIMEOUT_MS });
    await dialog.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  }

  /**
   * The compose box's "Trigger Message Extension App > Search Command": the playground reads no
   * manifest, so the command id and its parameter's name are typed in, as a developer would; then
   * `term` is searched. Returns the search flyout, its results listed as headings.
   */
  async searchMessageExtension(commandId: string, parameterName: string, term: string): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Trigger Message Extension App' }).click({ timeout: STEP_TIMEOUT_MS });
    await this.page.getByRole('menuitem', { name: 'Search Command' }).click({ timeout: STEP_TIMEOUT_MS });
    const flyout = this.page.getByRole('group').filter({ hasText: 'Search-Based Message Extension' });
    await flyout.getByRole('button', { name: 'Specify Command ID or Parameter' }).click({ timeout: STEP_TIMEOUT_MS });
    await flyout.getByRole('textbox', { name: 'Command ID', exact: true }).fill(commandId, { timeout: STEP_TIMEOUT_MS });
    await flyout.getByRole('textbox', { name: 'Parameter name', exact: true }).fill(parameterName, { timeout: STEP_TIMEOUT_MS });
    await flyout.getByRole('textbox', { name: 'Enter a search term' }).fill(term, { timeout: STEP_TIMEOUT_MS });
    return flyout;
  }

  /** Sends what the compose box holds (a card a message extension put there) with its Send button. */
  async sendComposed(): Promise<void> {
    await this.page.getByRole('button', { name: 'Send Message' }).click({ timeout: STEP_TIMEOUT_MS });
  }

  /** Entries of the playground's log panel that report a failed request (status 4xx or 5xx). */
  async failedRequests(): Promise<string[]> {
    const text = await this.page.evaluate<string>('document.body.innerText');
    return [...text.matchAll(/\b([A-Za-z]+) ([45]\d\d)\b/g)].map((match) => match[0]);
  }

  async screenshot(label: string): Promise<string> {
    this.shots += 1;
    if (process.env.JOURNEY_TRACE === '1') console.log(`  [${new Date().toISOString().slice(11, 23)}] ${this.name} ${label}`);
    const path = join(this.outputDir, `${this.name}-${String(this.shots).padStart(2, '0')}-${label}.png`);
    await this.page.screenshot({ path, fullPage: false });
    return path;
  }

  /** Fails when a card in this chat is an error card (its title in any of `errorTitles`). */
  async assertNoErrorCard(errorTitles: readonly string[]): Promise<void> {
    for (const title of errorTitles) {
      const count = await this.cards().filter({ hasText: title }).count();
      assert.equal(count, 0, `${this.name}: an error card "${title}" is shown`);
    }
  }
}

/** Card inputs by label; the playground adds " *" to required ones. */
export function inputsLabelled(card: Locator, label: string): Locator {
  return card.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`));
}

/** The visible input labelled `label` in `card` (a shown Action.ShowCard's form, not a hidden one). */
export function visibleInput(card: Locator, label: string): Locator {
  return inputsLabelled(card, label).filter({ visible: true }).first();
}
