import assert from 'node:assert/strict';
import { catalogueKeys, SUPPORTED_LOCALES, Translator, type Locale } from '../../cards/i18n/i18n.js';
import { STATUSES, type Status } from '../../services/model.js';

// Partner Center's own words per language (../shared/GLOSSARY.md, from the seed articles), held
// against the catalogues: the status names, the customer's opt-out verb that is not the reviewer's
// reject verb, the claim noun each seed uses, and one register per language. Copied here so the
// suite runs without the shared folder.

interface Terms {
  statuses: Record<Exclude<Status, 'Disputed'>, string>;
  /** The seeds' verb for the customer declining the association. */
  optOut: RegExp;
  /** The reviewer's reject verb; it must not name the customer's action. */
  reject: RegExp;
  /** Where the opt-out phrase itself contains the reject stem (it: "rifiutare esplicitamente"). */
  optOutPhrase?: RegExp;
  claimNoun: RegExp;
  /** Words of the register the language does not use. */
  wrongRegister: RegExp;
}

const GLOSSARY: Record<Locale, Terms> = {
  en: {
    statuses: {
      Draft: 'Editing',
      Submitted: 'Submitted',
      InReview: 'Under review',
      PartnerActionRequired: 'Partner action required',
      Approved: 'Approved',
      Rejected: 'Rejected',
    },
    optOut: /opt(ed)? out/i,
    reject: /reject/i,
    claimNoun: /\bclaims?\b/i,
    wrongRegister: /$^/,
  },
  es: {
    statuses: {
      Draft: 'Editar',
      Submitted: 'Enviado',
      InReview: 'En revisión',
      PartnerActionRequired: 'Acción de asociado requerida',
      Approved: 'Aprobado',
      Rejected: 'Rechazada',
    },
    optOut: /dejar de participar|dejado de participar|dejó de participar|deneg/i,
    reject: /rechaz/i,
    claimNoun: /notificaci[óo]n/i,
    wrongRegister: /\b(tú|tu|tus|ti|contigo|puedes|quieres|estás|tienes|necesitas|Escribe|Elige|Adjunta|Envía|inténtalo|Pídeselo)\b/,
  },
  'pt-BR': {
    statuses: {
      Draft: 'Edição',
      Submitted: 'Enviado',
      InReview: 'Em revisão',
      PartnerActionRequired: 'Ação de parceiro necessária',
      Approved: 'Aprovado',
      Rejected: 'Rejeitado',
    },
    optOut: /recus/i,
    reject: /rejeit/i,
    claimNoun: /declara[çc][ãa]o/i,
    wrongRegister: /\b(tu|teu|tua|teus|tuas|vós|contigo)\b/i,
  },
  it: {
    statuses: {
      Draft: 'In fase di modifica',
      Submitted: 'Inviato',
      InReview: 'In fase di revisione',
      PartnerActionRequired: 'Azione partner obbligatoria',
      Approved: 'Approvato',
      Rejected: 'Rifiutato',
    },
    optOut: /rifiut\w*\s+esplicitamente|rifiuto esplicito/i,
    reject: /rifiut/i,
    optOutPhrase: /rifiut\w*\s+esplicitamente|rifiuto esplicito/gi,
    claimNoun: /attestazion[ei]/i,
    wrongRegister: /\b(tu|tuo|tua|tuoi|tue|puoi|vuoi|hai|devi|Scegli|Scrivi|Allega|voi|vostr[aoie]|potete|avete)\b/,
  },
  sv: {
    statuses: {
      Draft: 'Redigering',
      Submitted: 'Skickad',
      InReview: 'Under granskning',
      PartnerActionRequired: 'Partneråtgärd krävs',
      Approved: 'Godkänd',
      Rejected: 'Avslagen',
    },
    optOut: /avanmä/i,
    reject: /avvis/i,
    claimNoun: /anspråk/i,
    wrongRegister: /\b(ni|Ni|er|Er|ert|Ert|era|Era)\b/,
  },
};

/** What the customer reads: the consent notice, its page and mail, and the replies to an opt-out. */
const CUSTOMER_KEYS = (key: string): boolean =>
  key.startsWith('cards.consent.') ||
  (key.startsWith('consent.') && !key.startsWith('consent.error.failed')) ||
  [
    'cards.action.optOut',
    'cards.action.confirmOptOut',
    'cards.note.optedOut',
    'cards.note.windowClosed',
    'cards.help.customerText',
    'errors.window-closed-consent',
  ].includes(key);

const OPT_OUT_LABELS = ['cards.action.optOut', 'cards.action.confirmOptOut', 'consent.page.optOut', 'consent.page.confirm'];

describe("Partner Center's words in every language (GLOSSARY.md)", () => {
  for (const locale of SUPPORTED_LOCALES) {
    const terms = GLOSSARY[locale];
    const t = new Translator(locale);

    describe(locale, () => {
      it('names the statuses as Partner Center does', () => {
        for (const status of STATUSES.filter((candidate) => candidate !== 'Disputed')) {
          assert.equal(t.t(`claims.status.${status}`), terms.statuses[status as keyof Terms['statuses']], status);
        }
      });

      it("gives the customer the seeds' opt-out verb, never the reviewer's reject verb", () => {
        assert.match(t.t('cards.action.reject'), terms.reject);
        for (const key of OPT_OUT_LABELS) {
          const label = t.t(key);
          assert.match(label, terms.optOut, key);
          assert.notEqual(label.toLowerCase(), t.t('cards.action.reject').toLowerCase(), key);
        }
        const misuses = catalogueKeys(locale)
          .filter(CUSTOMER_KEYS)
          .filter((key) => terms.reject.test(terms.optOutPhrase ? t.t(key).replace(terms.optOutPhrase, '') : t.t(key)));
        assert.deepEqual(misuses, [], `the reviewer's reject verb in what the customer reads`);
      });

      it("calls a claim by the seed's noun, and the command for one accepts it", () => {
        for (const key of ['cards.claim.title', 'cards.action.newClaim', 'errors.not-found', 'cards.alert.rejected.text']) {
          assert.match(t.t(key), terms.claimNoun, key);
        }
        assert.match(t.t('commands.aliases.claim'), terms.claimNoun);
      });

      it('keeps one register', () => {
        const slips = catalogueKeys(locale)
          .filter((key) => !key.startsWith('commands.') && !key.startsWith('dialogs.words.'))
          .filter((key) => terms.wrongRegister.test(t.t(key)))
          .map((key) => `${key}: ${t.t(key)}`);
        assert.deepEqual(slips, []);
      });

      it('has no translated program names: programs keep their English names', () => {
        assert.deepEqual(
          catalogueKeys(locale).filter((key) => key.startsWith('claims.program.') || key.startsWith('dialogs.programs.')),
          [],
        );
      });
    });
  }
});
