import { describe, expect, it } from 'vitest';
import { displayPlate, isPlate, normalisePlate } from './plates.js';

describe('normalisePlate', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['苏E·D51712', '苏ED51712', 'new-energy with separator'],
    ['浙F·EQ635', '浙FEQ635', 'ordinary blue plate'],
    ['沪B S7821', '沪BS7821', 'space separator'],
    ['皖A·92141', '皖A92141', 'all digits after the letter'],
    ['皖a·ujz99', '皖AUJZ99', 'lower case'],
    ['皖A·UJ2O9', '皖AUJ209', 'O read as 0'],
    ['皖A·1I5K9', '皖A115K9', 'I read as 1'],
    ['皖0·92141', '皖D92141', 'digit lookalike in the letter slot'],
    ['京Ａ１２３４５', '京A12345', 'full-width characters'],
    ['文明皖A92141', '皖A92141', 'text before the province is dropped'],
    ['粤B1234学', '粤B1234学', 'use-character suffix'],
    ['粤B12345学', undefined, 'suffix after five characters is too long'],
    ['粤BD12345', '粤BD12345', 'new-energy small car (D first)'],
    ['粤B12345D', '粤B12345D', 'new-energy large vehicle (D last)'],
    ['粤B123456', undefined, '6 characters without D/F is not a plate'],
    ['粤B1234', undefined, 'too short'],
    ['粤B1234567', undefined, 'too long'],
    ['XB12345', undefined, 'no province'],
    ['公正法治', undefined, 'slogan'],
    ['', undefined, 'empty'],
    ['苏E·D5171学2', undefined, 'suffix only at the end'],
  ];
  it.each(cases)('%s → %s (%s)', (raw, want) => {
    expect(normalisePlate(raw)?.text).toBe(want);
  });

  it('classifies the kind', () => {
    expect(normalisePlate('苏ED51712')?.kind).toBe('new-energy');
    expect(normalisePlate('浙FEQ635')?.kind).toBe('ordinary');
  });

  it('displays and recognises canonical text', () => {
    expect(displayPlate('苏ED51712')).toBe('苏E·D51712');
    expect(isPlate('苏ED51712')).toBe(true);
    expect(isPlate('苏E·D51712')).toBe(false);
  });
});
